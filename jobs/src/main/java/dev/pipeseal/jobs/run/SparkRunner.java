package dev.pipeseal.jobs.run;

import dev.pipeseal.jobs.report.FileOutcome;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.SparkSession;

/**
 * Files as a Spark RDD of paths, one task per partition: executors open their own bridge from the
 * job's properties ({@link JobContext}); only paths and outcomes travel. {@code --kms-rate} is a
 * budget for the whole job, split evenly over the batch's tasks ({@link Plan}). Uses the session
 * that spark-submit (or a test) made, else a local one that this runner stops when done.
 */
final class SparkRunner implements FileRunner {
  private final String appName;
  private SparkSession spark;
  private boolean owned;
  private final HashMap<String, String> properties;
  private final double kmsRate;
  private final int parallelism;
  private final int filesInFlight;

  SparkRunner(JobOptions options) {
    this.appName = "pipeseal " + options.command();
    this.properties = new HashMap<>(options.properties());
    this.kmsRate = options.kmsRate();
    this.parallelism = options.parallelism();
    this.filesInFlight = options.filesInFlight();
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

  /**
   * How a batch runs: {@code slices} tasks, each limited to {@code perTaskRate} key operations per
   * second (0: unlimited).
   */
  record Plan(int slices, double perTaskRate) {
    /**
     * Without a rate: up to four tasks per thread of {@code parallelism}, for load balancing. With
     * {@code --kms-rate N} (a budget for the whole job): exactly as many tasks as can run at once
     * ({@code min(files, parallelism, cores)}), each throttled to {@code N / tasks}, so the tasks
     * together never exceed N per second, however executors and cores are spread.
     *
     * @param cores task slots of the cluster ({@code SparkContext.defaultParallelism})
     */
    static Plan of(int files, int parallelism, int cores, double kmsRate) {
      if (kmsRate <= 0) {
        return new Plan(Math.max(1, Math.min(files, parallelism * 4)), 0);
      }
      int slices = Math.max(1, Math.min(files, Math.min(parallelism, Math.max(1, cores))));
      return new Plan(slices, kmsRate / slices);
    }
  }

  @Override
  public List<FileOutcome> run(List<String> files, FileTask task) {
    SparkSession spark = session();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Map<String, String> props = properties;
    Plan plan = Plan.of(files.size(), parallelism, jsc.defaultParallelism(), kmsRate);
    double share = plan.perTaskRate();
    int inFlight = FileRunner.filesInFlight(filesInFlight, task);
    return jsc.parallelize(files, plan.slices())
        .mapPartitions(
            (FlatMapFunction<Iterator<String>, FileOutcome>)
                paths -> {
                  // One throttle per task: its share of the job's budget.
                  JobContext ctx = JobContext.forTask(props, share);
                  return InFlight.apply(task, ctx, paths, inFlight).iterator();
                })
        .collect();
  }

  @Override
  public void close() {
    if (owned && spark != null) {
      spark.stop();
    }
  }
}
