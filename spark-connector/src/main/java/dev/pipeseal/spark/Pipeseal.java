package dev.pipeseal.spark;

import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.pipeseal.spark.sql.PipesealFunctions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The DataFrame API over the SQL functions (the session needs {@link PipesealExtensions}). Each
 * method builds the same expression as the SQL function of the same name, so columns encrypted one
 * way decrypt the other.
 *
 * <pre>{@code
 * df.select(Pipeseal.encrypt(col("ssn"), "pii").as("ssn"));
 * Pipeseal.encryptColumns(df, Map.of("ssn", "pii", "email", "pii"), Set.of("email"));
 * }</pre>
 */
public final class Pipeseal {
  private Pipeseal() {}

  /** Randomized encryption under {@code masterKey}; the context is the column name. */
  public static Column encrypt(Column value, String masterKey) {
    return call_function(PipesealFunctions.ENCRYPT, value, lit(masterKey));
  }

  public static Column encrypt(Column value, String masterKey, String context) {
    return call_function(PipesealFunctions.ENCRYPT, value, lit(masterKey), lit(context));
  }

  /** Deterministic encryption (joins, group-by; leaks equality). */
  public static Column encryptDeterministic(Column value, String masterKey) {
    return call_function(PipesealFunctions.ENCRYPT_DETERMINISTIC, value, lit(masterKey));
  }

  public static Column encryptDeterministic(Column value, String masterKey, String context) {
    return call_function(
        PipesealFunctions.ENCRYPT_DETERMINISTIC, value, lit(masterKey), lit(context));
  }

  /**
   * Randomized encryption under the key of the subject (a string column, e.g. a user id) each value
   * is about: {@code pipeseal shred --subject ID} erases that subject's values everywhere.
   */
  public static Column encryptSubject(
      Column value, Column subject, String masterKey, String context) {
    return call_function(
        PipesealFunctions.ENCRYPT_SUBJECT, value, subject, lit(masterKey), lit(context));
  }

  /**
   * Decrypts to {@code type} (a DDL type string such as {@code "int"} or {@code "array<float>"}).
   */
  public static Column decrypt(Column value, String type) {
    return call_function(PipesealFunctions.DECRYPT, value, lit(type));
  }

  public static Column decrypt(Column value, String type, String context) {
    return call_function(PipesealFunctions.DECRYPT, value, lit(type), lit(context));
  }

  /** As {@link #decrypt(Column, String, String)}, null where a value cannot be decrypted. */
  public static Column tryDecrypt(Column value, String type, String context) {
    return call_function(PipesealFunctions.TRY_DECRYPT, value, lit(type), lit(context));
  }

  /** The raw plaintext of any envelope (untagged payloads, e.g. Kafka record values). */
  public static Column decryptBinary(Column value, String context) {
    return call_function(PipesealFunctions.DECRYPT_BINARY, value, lit(context));
  }

  /**
   * Encrypts each column named in {@code columnKeys} (column to master key) in place, so the
   * default context (the column name) holds when it is decrypted; columns in {@code deterministic}
   * use deterministic encryption.
   */
  public static Dataset<Row> encryptColumns(
      Dataset<Row> df, Map<String, String> columnKeys, Set<String> deterministic) {
    Map<String, Column> out = new LinkedHashMap<>();
    columnKeys.forEach(
        (name, key) ->
            out.put(
                name,
                deterministic.contains(name)
                    ? encryptDeterministic(col(name), key)
                    : encrypt(col(name), key)));
    return df.withColumns(out);
  }

  /** Decrypts each column named in {@code columnTypes} (column to DDL type) in place. */
  public static Dataset<Row> decryptColumns(Dataset<Row> df, Map<String, String> columnTypes) {
    Map<String, Column> out = new LinkedHashMap<>();
    columnTypes.forEach((name, type) -> out.put(name, decrypt(col(name), type)));
    return df.withColumns(out);
  }
}
