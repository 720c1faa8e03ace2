package dev.pipeseal.jobs.run;

import dev.pipeseal.jobs.report.FileOutcome;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Files as a Spark RDD of paths, one task per partition: executors open their own bridge from the
 * job's properties ({@link JobContext}); only paths and outcomes travel. Uses the session that
 * spark-submit (or a test) made, else a local one that this runner stops when done.
 */
final class SparkRunner implements FileRunner {
  private final String appName;
  private SparkSession spark;
  private boolean owned;
  private final HashMap<String, String> properties;
  private final double kmsRate;
  private final int parallelism;

  SparkRunner(JobOptions options) {
    this.appName = "pipeseal " + options.command();
    this.properties = new HashMap<>(options.properties());
    this.kmsRate = options.kmsRate();
    this.parallelism = options.parallelism();
  }

  /** Started on the first batch, so bad input fails before Spark starts. */
  private SparkSession session() {
    if (spark == null) {
      boolean existing =
          SparkSession.getActiveSession().isDefined()
              || SparkSession.getDefaultSession().isDefined();
      if (existing) {
        spark = SparkSession.active(); // the builder would only warn that its settings are ignored
      } else {
        SparkSession.Builder b = SparkSession.builder().appName(appName);
        if (System.getProperty("spark.master") == null) {
          b = b.master("local[" + parallelism + "]").config("spark.ui.enabled", "false");
        }
        spark = b.getOrCreate();
      }
      owned = !existing;
      if (owned) {
        spark.sparkContext().setLogLevel("WARN"); // progress lines, not Spark's INFO chatter
      }
    }
    return spark;
  }

  @Override
  public List<FileOutcome> run(List<String> files, FileTask task) {
    SparkSession spark = session();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Map<String, String> props = properties;
    double rate = kmsRate;
    int slices = Math.max(1, Math.min(files.size(), parallelism * 4));
    return jsc.parallelize(files, slices)
        .map(f -> task.apply(JobContext.of(props, rate), f))
        .collect();
  }

  @Override
  public void close() {
    if (owned && spark != null) {
      spark.stop();
    }
  }
}
