package dev.pipeseal.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import dev.pipeseal.spark.PipesealExtensions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark functions over the post-quantum public-key provider: a session holding only the
 * recipient public key encrypts a column into the lake; a session holding the private key decrypts
 * it. Nothing in the connector is specific to the provider.
 */
class SparkPublicKeyModeTest {
  @TempDir Path dir;

  private static SparkSession session(Map<String, String> conf) {
    SparkSession.Builder b =
        SparkSession.builder()
            .master("local[2]")
            .appName("pipeseal-it")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.extensions", PipesealExtensions.class.getName());
    conf.forEach(b::config);
    return b.getOrCreate();
  }

  private static void stop(SparkSession spark) {
    spark.stop();
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    SharedKmsBridges.closeAll();
  }

  @Test
  void writerWithPublicKeyOnlyReaderWithPrivateKey() throws Exception {
    Path recipients = dir.resolve("recipients.pub");
    Path password = dir.resolve("private.pass");
    Files.writeString(password, "private-store-password\n");
    String privateKeys = dir.resolve("private.p12").toString();
    Map<String, String> admin = new HashMap<>();
    admin.put("pipeseal.kms.uri", "hybrid://" + recipients);
    admin.put("pipeseal.kms.provider.private-keys", privateKeys);
    admin.put("pipeseal.kms.provider.password", "file:" + password);
    admin.put("pipeseal.kms.provider.create", "true");
    admin.put("pipeseal.kms.audit.sink", "none");
    try (KmsBridge kms = KmsBridge.open(admin)) {
      kms.admin().orElseThrow().createKey("lake-team");
    }

    Map<String, String> writer = new HashMap<>();
    writer.put("spark.pipeseal.kms.uri", "hybrid://" + recipients);
    writer.put("spark.pipeseal.kms.audit.sink", "none");
    writer.put("spark.pipeseal.registry.location", dir.resolve("registry").toString());
    writer.put("spark.pipeseal.default-master-key", "lake-team");
    String table = dir.resolve("people").toString();

    SparkSession w = session(writer);
    try {
      w.sql(
              """
              SELECT id, pipeseal_encrypt(concat('ssn-', id), 'lake-team', 'people.ssn') AS ssn,
                     pipeseal_encrypt(transform(sequence(1, 768), x -> CAST(x * id AS FLOAT)),
                                      'lake-team', 'people.embedding') AS embedding
              FROM range(0, 400, 1, 4)
              """)
          .write()
          .parquet(table);
    } finally {
      stop(w);
    }

    Map<String, String> reader = new HashMap<>(writer);
    reader.put("spark.pipeseal.kms.provider.private-keys", privateKeys);
    reader.put("spark.pipeseal.kms.provider.password", "file:" + password);
    SparkSession r = session(reader);
    try {
      List<Row> rows =
          r.read()
              .parquet(table)
              .selectExpr(
                  "id",
                  "pipeseal_decrypt(ssn, 'string', 'people.ssn') AS ssn",
                  "pipeseal_decrypt(embedding, 'array<float>', 'people.embedding') AS e")
              .collectAsList();
      assertThat(rows).hasSize(400);
      for (Row row : rows) {
        long id = row.getLong(0);
        assertThat(row.getString(1)).isEqualTo("ssn-" + id);
        List<Float> e = row.getList(2);
        assertThat(e).hasSize(768);
        assertThat(e.get(767)).isEqualTo((float) (768 * id));
      }
    } finally {
      stop(r);
    }
  }
}
