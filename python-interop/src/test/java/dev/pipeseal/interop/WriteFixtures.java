package dev.pipeseal.interop;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pipeseal.jobs.PipesealCli;
import dev.pipeseal.kafka.serde.EncryptingSerializer;
import dev.pipeseal.parquet.spark.PipesealParquet;
import dev.pipeseal.spark.PipesealExtensions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Writes the fixtures the Python tests read, through the real Java code paths: a lake written by
 * Spark with the Pipeseal SQL functions and {@code PipesealCryptoFactory} (cells by registry
 * reference and inline, every value type, PME with external and internal key material, encrypted
 * and plaintext footers, table-bound AAD prefixes, master keys rotated and rewrapped by the {@code
 * rotate} job), and Kafka serializer outputs (whole values and JSON fields).
 *
 * <p>Master keys live in a PKCS#12 key store created here with the JDK's {@link KeyStore} (the
 * layout the local provider reads: one AES-256 entry per version, alias {@code name#version}).
 */
public final class WriteFixtures {
  private static final String PASSWORD = "interop-" + "keystore-password";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final Path keyStore;
  private final Path registry;

  private WriteFixtures(Path dir) {
    this.dir = dir;
    this.keyStore = dir.resolve("keys.p12");
    this.registry = dir.resolve("registry");
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]).toAbsolutePath();
    long start = System.nanoTime();
    new WriteFixtures(dir).run();
    System.out.printf(
        "interop fixtures written to %s in %.1f s%n", dir, (System.nanoTime() - start) / 1e9);
    System.exit(0);
  }

  private void run() throws Exception {
    deleteRecursively(dir);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("keystore.password"), PASSWORD + "\n");
    addMasterKeyVersion("pii", 1);
    addMasterKeyVersion("emb", 1);

    Map<String, String> kms = kmsSettings("10m");
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("pipeseal python interop fixtures")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
            .config("spark.sql.extensions", PipesealExtensions.class.getName())
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    sparkKms(spark, kms);
    try {
      writeTypes(spark);
      writeLakes(spark, kms);
      writeKafka(kms);
    } finally {
      spark.stop();
    }
  }

  // ---- key store (JDK API only)

  private void addMasterKeyVersion(String name, int version) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    if (Files.exists(keyStore)) {
      try (InputStream in = Files.newInputStream(keyStore)) {
        ks.load(in, PASSWORD.toCharArray());
      }
    } else {
      ks.load(null, PASSWORD.toCharArray());
    }
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    ks.setEntry(
        name + "#" + version,
        new KeyStore.SecretKeyEntry(new SecretKeySpec(key, "AES")),
        new KeyStore.PasswordProtection(PASSWORD.toCharArray()));
    Path tmp = keyStore.resolveSibling("keys.p12.tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      ks.store(out, PASSWORD.toCharArray());
    }
    Files.move(tmp, keyStore, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * Bridge settings. A different {@code kek.lifetime} opens a new bridge (bridges are shared per
   * distinct settings), so writes after a rotation wrap under the new master key versions.
   */
  private Map<String, String> kmsSettings(String kekLifetime) {
    Map<String, String> kms = new LinkedHashMap<>();
    kms.put("pipeseal.kms.uri", "local://" + keyStore);
    kms.put("pipeseal.kms.provider.password", "file:" + dir.resolve("keystore.password"));
    kms.put("pipeseal.kms.audit.sink", "none");
    kms.put("pipeseal.kms.kek.lifetime", kekLifetime);
    return kms;
  }

  private void sparkKms(SparkSession spark, Map<String, String> kms) {
    kms.forEach((k, v) -> spark.conf().set("spark." + k, v));
    spark.conf().set("spark.pipeseal.registry.location", registry.toString());
  }

  // ---- every value type the functions write

  private static final String TYPES_SQL =
      "SELECT id,"
          + " CASE WHEN id = 5 THEN '' WHEN id = 3 THEN NULL ELSE concat('s-', id, '-é') END AS"
          + " c_string,"
          + " CAST(concat('b', id) AS BINARY) AS c_binary,"
          + " id % 2 = 0 AS c_boolean,"
          + " CAST(id % 100 - 50 AS TINYINT) AS c_tinyint,"
          + " CAST(id * 7 - 100 AS SMALLINT) AS c_smallint,"
          + " CAST(id * 1000 - 7 AS INT) AS c_int,"
          + " id * 100000000007 - 3 AS c_bigint,"
          + " CAST(id / 3.0 AS FLOAT) AS c_float,"
          + " CAST(id / 7.0 AS DOUBLE) AS c_double,"
          + " CAST(id * 1.25 - 10 AS DECIMAL(10,2)) AS c_decimal,"
          + " date_add(DATE'2024-01-01', CAST(id AS INT)) AS c_date,"
          + " timestamp_micros(1700000000000000 + id * 1000003) AS c_timestamp,"
          + " CAST(timestamp_micros(1700000000000000 + id) AS TIMESTAMP_NTZ) AS c_timestamp_ntz,"
          + " transform(sequence(0, 7), i -> CAST(id + i / 8.0 AS FLOAT)) AS c_vec_f,"
          + " transform(sequence(0, 3), i -> CAST(id * i / 3.0 AS DOUBLE)) AS c_vec_d"
          + " FROM range(0, 40)";

  private static final String[] TYPE_COLUMNS = {
    "c_string", "c_binary", "c_boolean", "c_tinyint", "c_smallint", "c_int", "c_bigint",
    "c_float", "c_double", "c_decimal", "c_date", "c_timestamp", "c_timestamp_ntz", "c_vec_f",
    "c_vec_d"
  };

  private void writeTypes(SparkSession spark) {
    Dataset<Row> plain = spark.sql(TYPES_SQL);
    plain.coalesce(1).write().mode(SaveMode.Overwrite).parquet(path("types_plain"));
    plain.createOrReplaceTempView("types_raw");
    StringBuilder sql = new StringBuilder("SELECT id");
    for (String c : TYPE_COLUMNS) {
      sql.append(", pipeseal_encrypt(").append(c).append(", 'pii') AS ").append(c);
    }
    sql.append(", pipeseal_encrypt_deterministic(c_string, 'pii') AS det_string");
    sql.append(", pipeseal_encrypt(c_int, 'pii', 'sales.types.c_int') AS ctx_int");
    sql.append(" FROM types_raw");
    spark.sql(sql.toString()).coalesce(1).write().mode(SaveMode.Overwrite).parquet(path("types"));
    spark.conf().set("spark.pipeseal.key-reference", "inline");
    try {
      spark
          .sql(
              "SELECT id, pipeseal_encrypt(c_string, 'pii') AS c_string,"
                  + " pipeseal_encrypt(c_vec_f, 'emb') AS c_vec_f FROM types_raw")
          .coalesce(1)
          .write()
          .mode(SaveMode.Overwrite)
          .parquet(path("types_inline"));
    } finally {
      spark.conf().unset("spark.pipeseal.key-reference");
    }
  }

  // ---- the lake: PME and cells, rotated keys

  private static final String LAKE_SQL =
      "SELECT id, CAST(id % 3 AS INT) AS day, concat('name-', id) AS name,"
          + " concat('note for ', id, ': call 555-01', id % 100) AS note,"
          + " format_string('%03d-%02d-%04d', id % 1000, id % 100, id) AS ssn,"
          + " concat('user', id, '@example.com') AS email,"
          + " transform(sequence(0, 767), i -> CAST(sin(id * 768 + i) AS FLOAT)) AS embedding"
          + " FROM range(FIRST_ID, END_ID)";

  private static final String CELLS =
      "SELECT id, day, name, note, embedding, pipeseal_encrypt(ssn, 'pii') AS ssn,"
          + " pipeseal_encrypt_deterministic(email, 'pii') AS email,"
          + " pipeseal_encrypt(embedding, 'emb') AS emb_cell FROM VIEW";

  private static String lakeSql(int first, int end) {
    return LAKE_SQL
        .replace("FIRST_ID", String.valueOf(first))
        .replace("END_ID", String.valueOf(end));
  }

  private Map<String, String> pme(Map<String, String> kms, String keyMaterial, String table) {
    PipesealParquet.Builder b = PipesealParquet.options(kms.get("pipeseal.kms.uri"));
    kms.forEach(
        (k, v) -> {
          if (!k.equals("pipeseal.kms.uri")) {
            b.kms(k, v);
          }
        });
    return b.encrypt("pii", "name", "note")
        .encrypt("emb", "embedding")
        .policy("footer.key", "pii")
        .policy("key-material", keyMaterial)
        .policy("table", table)
        .build();
  }

  private void writeLakes(SparkSession spark, Map<String, String> kms) throws Exception {
    Dataset<Row> first = spark.sql(lakeSql(0, 200));
    first.write().mode(SaveMode.Overwrite).partitionBy("day").parquet(path("lake_plain"));
    first.createOrReplaceTempView("lake_raw_1");
    Dataset<Row> cells1 = spark.sql(CELLS.replace("VIEW", "lake_raw_1"));
    // A: external key material, encrypted footer, explicit table id
    cells1
        .write()
        .options(pme(kms, "external", "interop.lake"))
        .mode(SaveMode.Overwrite)
        .partitionBy("day")
        .parquet(path("lake_ext"));
    // B: internal key material, table id from the path (auto)
    cells1
        .write()
        .options(pme(kms, "internal", "auto"))
        .mode(SaveMode.Overwrite)
        .parquet(path("lake_int"));
    // C: plaintext (signed) footer, AES_GCM_CTR_V1
    Map<String, String> pf = new LinkedHashMap<>(pme(kms, "internal", "interop.pf"));
    pf.put("pipeseal.parquet.footer.plaintext", "true");
    pf.put("pipeseal.parquet.algorithm", "AES_GCM_CTR_V1");
    cells1.write().options(pf).mode(SaveMode.Overwrite).parquet(path("lake_pf"));

    // Rotate both master keys, then append under the new versions through fresh bridges.
    addMasterKeyVersion("pii", 2);
    addMasterKeyVersion("emb", 2);
    Map<String, String> kms2 = kmsSettings("9m");
    sparkKms(spark, kms2);
    Dataset<Row> second = spark.sql(lakeSql(200, 300));
    second.write().mode(SaveMode.Append).partitionBy("day").parquet(path("lake_plain"));
    second.createOrReplaceTempView("lake_raw_2");
    spark
        .sql(CELLS.replace("VIEW", "lake_raw_2"))
        .write()
        .options(pme(kms2, "external", "interop.lake"))
        .mode(SaveMode.Append)
        .partitionBy("day")
        .parquet(path("lake_ext"));
    // The rotate job rewraps the external key material and the registry records.
    List<String> args = new ArrayList<>(List.of("rotate", path("lake_ext"), "--quiet"));
    kms2.forEach(
        (k, v) -> {
          args.add("--conf");
          args.add(k + "=" + v);
        });
    args.addAll(
        List.of(
            "--conf", "pipeseal.parquet.table=interop.lake", "--registry", registry.toString()));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int rc =
        PipesealCli.run(
            args.toArray(String[]::new),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(out, true, StandardCharsets.UTF_8));
    if (rc != 0) {
      throw new IllegalStateException("rotate job failed (" + rc + "): " + out);
    }
  }

  // ---- Kafka serializer outputs (no broker: serialize() directly)

  private void writeKafka(Map<String, String> kms) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ArrayNode records = json.createArrayNode();
    String[] values = {
      "{\"id\":1,\"ssn\":\"123-45-6789\",\"address\":{\"street\":\"Main St 1\"}}",
      "{\"id\":2,\"ssn\":\"987-65-4321\",\"address\":{\"street\":\"Elm St 2\"},\"age\":42}"
    };
    for (String mode : List.of("whole", "json-fields")) {
      Map<String, Object> config = new LinkedHashMap<>(kms);
      config.put("pipeseal.master-key", "pii");
      config.put("pipeseal.mode", mode);
      if (mode.equals("json-fields")) {
        config.put("pipeseal.fields", "/ssn,/address/street");
      }
      for (String topic : List.of("orders", "payments")) {
        if (topic.equals("payments")) {
          config.put("pipeseal.context", "payments-mirror");
        }
        try (EncryptingSerializer<byte[]> ser = new EncryptingSerializer<>()) {
          ser.configure(config, false);
          for (String v : values) {
            byte[] plain = v.getBytes(StandardCharsets.UTF_8);
            byte[] wire = ser.serialize(topic, new RecordHeaders(), plain);
            ObjectNode r = records.addObject();
            r.put("topic", topic);
            r.put("context", topic.equals("payments") ? "payments-mirror" : topic);
            r.put("mode", mode);
            r.put("plaintext", v);
            r.put("value", Base64.getEncoder().encodeToString(wire));
          }
        }
      }
    }
    json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("kafka.json").toFile(), records);
  }

  private String path(String name) {
    return dir.resolve(name).toString();
  }

  private static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
