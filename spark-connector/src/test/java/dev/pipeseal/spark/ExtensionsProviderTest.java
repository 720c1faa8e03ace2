package dev.pipeseal.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensionsProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar enables the functions by itself ({@code --jars} alone), and naming the extension in
 * {@code spark.sql.extensions} as well still works.
 */
class ExtensionsProviderTest {
  @TempDir Path dir;

  @Test
  void theJarListsTheExtensionForSparksServiceLoader() {
    assertThat(ServiceLoader.load(SparkSessionExtensionsProvider.class).stream())
        .extracting(p -> p.type().getName())
        .contains(PipesealExtensions.class.getName());
  }

  @Test
  void functionsWorkWithoutSparkSqlExtensions() throws Exception {
    Map<String, String> conf = TestSpark.localKeyStore(dir, "pii");
    SparkSession.Builder b =
        SparkSession.builder()
            .master("local[1]")
            .appName("pipeseal-provider-test")
            .config("spark.ui.enabled", "false");
    conf.forEach(b::config);
    SparkSession spark = b.getOrCreate();
    try {
      assertThat(spark.conf().getOption("spark.sql.extensions").isDefined()).isFalse();
      String back =
          spark
              .sql(
                  "SELECT pipeseal_decrypt(pipeseal_encrypt('abc', 'pii', 'c'), 'string', 'c') AS v")
              .head()
              .getString(0);
      assertThat(back).isEqualTo("abc");
    } finally {
      TestSpark.stop(spark);
    }
  }
}
