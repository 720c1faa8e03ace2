package dev.pipeseal.spark.sql;

import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.crypto.envelope.KeyReferenceKind;
import dev.pipeseal.kms.audit.AuditContext;
import dev.pipeseal.kms.registry.SubjectKey;
import dev.pipeseal.spark.config.PipesealSparkConfig;
import dev.pipeseal.spark.keys.ColumnKey;
import dev.pipeseal.spark.keys.DriverKeys;
import dev.pipeseal.spark.task.DecryptSpec;
import dev.pipeseal.spark.task.EncryptSpec;
import dev.pipeseal.spark.values.ValueType;
import java.util.List;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.CreateStruct;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import scala.Function1;
import scala.Tuple3;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The SQL functions and their builders. Builders run on the driver during analysis: they check the
 * literal arguments, read {@code spark.pipeseal.*} from the session and resolve the master key to a
 * key reference (one KMS call per master key and session, see {@link DriverKeys}).
 */
public final class PipesealFunctions {
  public static final String ENCRYPT = "pipeseal_encrypt";
  public static final String ENCRYPT_DETERMINISTIC = "pipeseal_encrypt_deterministic";
  public static final String ENCRYPT_SUBJECT = "pipeseal_encrypt_subject";
  public static final String DECRYPT = "pipeseal_decrypt";
  public static final String TRY_DECRYPT = "try_pipeseal_decrypt";
  public static final String DECRYPT_BINARY = "pipeseal_decrypt_binary";
  public static final String TRY_DECRYPT_BINARY = "try_pipeseal_decrypt_binary";

  private PipesealFunctions() {}

  /** Every function as {@code SparkSessionExtensions.injectFunction} takes it. */
  public static List<
          Tuple3<FunctionIdentifier, ExpressionInfo, Function1<Seq<Expression>, Expression>>>
      all() {
    return List.of(
        function(
            ENCRYPT,
            "value[, masterKey[, context]]",
            "Encrypts value (randomized, XAES-256-GCM) under a data key of the named master key.",
            a -> encrypt(ENCRYPT, false, a)),
        function(
            ENCRYPT_DETERMINISTIC,
            "value[, masterKey[, context]]",
            "Encrypts value deterministically (AES-SIV) for joins, grouping and partitioning;"
                + " leaks equality.",
            a -> encrypt(ENCRYPT_DETERMINISTIC, true, a)),
        function(
            ENCRYPT_SUBJECT,
            "value, subject[, masterKey[, context]]",
            "Encrypts value (randomized) under the data key of the subject (a user id string) it"
                + " is about, created on first use; `pipeseal shred` of the subject erases it.",
            PipesealFunctions::encryptSubject),
        function(
            DECRYPT,
            "value[, type[, context]]",
            "Decrypts a Pipeseal value to type (default 'string'); fails on any bad value.",
            a -> decrypt(DECRYPT, false, true, a)),
        function(
            TRY_DECRYPT,
            "value[, type[, context]]",
            "As pipeseal_decrypt, but null where the value cannot be decrypted.",
            a -> decrypt(TRY_DECRYPT, true, true, a)),
        function(
            DECRYPT_BINARY,
            "value[, context]",
            "Decrypts any envelope to its raw plaintext bytes (e.g. Kafka record values).",
            a -> decrypt(DECRYPT_BINARY, false, false, a)),
        function(
            TRY_DECRYPT_BINARY,
            "value[, context]",
            "As pipeseal_decrypt_binary, but null where the value cannot be decrypted.",
            a -> decrypt(TRY_DECRYPT_BINARY, true, false, a)));
  }

  private static Tuple3<FunctionIdentifier, ExpressionInfo, Function1<Seq<Expression>, Expression>>
      function(
          String name,
          String args,
          String usage,
          java.util.function.Function<List<Expression>, Expression> build) {
    ExpressionInfo info =
        new ExpressionInfo(
            PipesealFunctions.class.getName(), null, name, "_FUNC_(" + args + ") - " + usage, "");
    Function1<Seq<Expression>, Expression> builder =
        seq -> build.apply(CollectionConverters.asJava(seq));
    return new Tuple3<>(FunctionIdentifier.apply(name), info, builder);
  }

  static Expression encrypt(String fn, boolean deterministic, List<Expression> args) {
    arity(fn, args, 1, 3);
    PipesealSparkConfig config = sessionConfig();
    String masterKey =
        args.size() >= 2 ? literal(fn, args.get(1), "master key name") : config.defaultMasterKey();
    if (masterKey == null) {
      throw new PipesealUsageException(
          fn
              + " needs a master key name: pass it as the second argument or set "
              + PipesealSparkConfig.DEFAULT_MASTER_KEY);
    }
    String column = DefaultContext.columnName(args.get(0));
    String context = context(fn, args, 2, column);
    ColumnKey key;
    try (AuditContext.Scope audit = AuditContext.with("spark:" + context)) {
      key = DriverKeys.resolve(config, masterKey, deterministic);
    } catch (RuntimeException e) {
      throw new PipesealUsageException(
          fn
              + " cannot get a data key of master key '"
              + masterKey
              + "' for column '"
              + column
              + "': "
              + e.getMessage(),
          e);
    }
    return new EncryptExpression(
        args.get(0), new EncryptSpec(fn, label(column), context, key, config));
  }

  static Expression encryptSubject(List<Expression> args) {
    String fn = ENCRYPT_SUBJECT;
    arity(fn, args, 2, 4);
    PipesealSparkConfig config = sessionConfig();
    String masterKey =
        args.size() >= 3 ? literal(fn, args.get(2), "master key name") : config.defaultMasterKey();
    if (masterKey == null) {
      throw new PipesealUsageException(
          fn
              + " needs a master key name: pass it as the third argument or set "
              + PipesealSparkConfig.DEFAULT_MASTER_KEY);
    }
    if (config.registryLocation() == null) {
      throw new PipesealUsageException(
          fn
              + " keeps subject keys in the key registry: set "
              + PipesealSparkConfig.REGISTRY_LOCATION);
    }
    String column = DefaultContext.columnName(args.get(0));
    String context = context(fn, args, 3, column);
    // The per-subject reference replaces this template's in each task.
    ColumnKey template =
        new ColumnKey(
            masterKey,
            Algorithm.XAES_256_GCM,
            KeyReference.of(KeyReferenceKind.SUBJECT_KEY_ID, new byte[SubjectKey.REFERENCE_BYTES]));
    Expression pair =
        CreateStruct.apply(CollectionConverters.asScala(List.of(args.get(0), args.get(1))).toSeq());
    return new SubjectEncryptExpression(
        pair, new EncryptSpec(fn, label(column), context, template, config));
  }

  static Expression decrypt(String fn, boolean tryMode, boolean typed, List<Expression> args) {
    arity(fn, args, 1, typed ? 3 : 2);
    PipesealSparkConfig config = sessionConfig();
    String column = DefaultContext.columnName(args.get(0));
    ValueType type = null;
    int precision = 0;
    int scale = 0;
    if (typed) {
      DataType dt =
          args.size() >= 2 ? parseType(fn, literal(fn, args.get(1), "type")) : DataTypes.StringType;
      type = ValueType.of(dt);
      if (type == null) {
        throw new PipesealUsageException(fn + " cannot return " + dt.simpleString());
      }
      if (dt instanceof DecimalType d) {
        precision = d.precision();
        scale = d.scale();
      }
    }
    String context = context(fn, args, typed ? 2 : 1, column);
    return new DecryptExpression(
        args.get(0),
        new DecryptSpec(fn, label(column), context, type, precision, scale, tryMode, config));
  }

  private static DataType parseType(String fn, String ddl) {
    try {
      return DataType.fromDDL(ddl);
    } catch (Exception e) { // AnalysisException is checked in Java's eyes
      throw new PipesealUsageException(
          fn
              + ": the second argument is the result type (e.g. 'string', 'int', 'decimal(10,2)',"
              + " 'array<float>'), and '"
              + ddl
              + "' is not one; the context goes third",
          e);
    }
  }

  private static String context(String fn, List<Expression> args, int index, String column) {
    if (args.size() > index) {
      String c = literal(fn, args.get(index), "context");
      if (c.isEmpty()) {
        throw new PipesealUsageException(fn + ": the context must not be empty");
      }
      return c;
    }
    String c = DefaultContext.of(column);
    if (c == null) {
      throw new PipesealUsageException(
          fn
              + " of an expression that is not a column ("
              + args.get(0).sql()
              + ") needs an explicit context argument");
    }
    return c;
  }

  private static String label(String column) {
    return column == null ? "(expression)" : column;
  }

  private static void arity(String fn, List<Expression> args, int min, int max) {
    if (args.size() < min || args.size() > max) {
      throw new PipesealUsageException(
          fn + " takes " + min + " to " + max + " arguments, got " + args.size());
    }
  }

  /** Master key names, types and contexts are string literals: never keys, never per row. */
  private static String literal(String fn, Expression e, String what) {
    if (!e.foldable() || !e.resolved() || !e.dataType().equals(DataTypes.StringType)) {
      throw new PipesealUsageException(fn + ": the " + what + " must be a string literal");
    }
    Object v = e.eval(null);
    if (v == null) {
      throw new PipesealUsageException(fn + ": the " + what + " must not be null");
    }
    return v.toString();
  }

  private static PipesealSparkConfig sessionConfig() {
    return PipesealSparkConfig.parse(CollectionConverters.asJava(SQLConf.get().getAllConfs()));
  }
}
