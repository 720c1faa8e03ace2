package dev.pipeseal.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.jobs.report.FileOutcome;
import dev.pipeseal.jobs.report.FileOutcome.Status;
import dev.pipeseal.jobs.rotation.RotateTask;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The files a task asks to keep in flight reach the runner through the driver's {@link ParquetOnly}
 * wrapper: before, the wrapper answered the default of one, so rotate ran one file per thread
 * whatever it asked for.
 */
class FilesInFlightTest {
  @Test
  void parquetOnlyKeepsTheTasksFilesInFlight() {
    RotateTask rotate = new RotateTask(false, false);
    assertThat(rotate.filesInFlight()).isGreaterThan(1);
    assertThat(new ParquetOnly(rotate).filesInFlight()).isEqualTo(rotate.filesInFlight());
  }

  /**
   * Four files that each wait until all four are being worked on: they only all finish if the local
   * runner, given one thread and the wrapped task, works on four at once.
   */
  @Test
  void localRunnerWorksOnTheWrappedTasksFilesInFlightAtOnce() {
    CyclicBarrier together = new CyclicBarrier(4);
    FileTask meets =
        new FileTask() {
          @Override
          public FileOutcome apply(JobContext context, String file) {
            try {
              // Not a timing check: without four threads the barrier never trips, and this bound
              // turns that hang into a failed outcome.
              together.await(2, TimeUnit.MINUTES);
              return FileOutcome.of(file, Status.DONE, null);
            } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
              return FileOutcome.of(file, Status.FAILED, "not all four files were in flight");
            }
          }

          @Override
          public int filesInFlight() {
            return 4;
          }
        };
    List<String> files = List.of("a.parquet", "b.parquet", "c.parquet", "d.parquet");
    try (LocalRunner runner = new LocalRunner(1, 0, Map.of(), 0)) {
      assertThat(runner.run(files, new ParquetOnly(meets)))
          .extracting(FileOutcome::status)
          .containsOnly(Status.DONE);
    }
  }
}
