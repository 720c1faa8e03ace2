package dev.pipeseal.jobs.report;

import dev.pipeseal.jobs.report.FileOutcome.Status;
import dev.pipeseal.kms.metrics.MetricSample;
import dev.pipeseal.registry.rotation.RewrapReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A job's results as metric samples ({@code pipeseal_job_*}), for the metrics file. */
public final class JobMetrics {
  private JobMetrics() {}

  /**
   * Files per status and the registry rewrap counts of {@code report}; nothing when the run stopped
   * before it had a report (the exit code says it failed).
   *
   * @param labels labels every sample carries ({@code command})
   */
  public static List<MetricSample> samples(Map<String, String> labels, JobReport report) {
    List<MetricSample> out = new ArrayList<>();
    if (report == null) {
      return out;
    }
    for (Status s : Status.values()) {
      Map<String, String> l = new LinkedHashMap<>(labels);
      l.put("status", s.name().toLowerCase(Locale.ROOT));
      out.add(
          new MetricSample(
              "pipeseal_job_files",
              l,
              report.count(s),
              false,
              "Files of the last run by outcome",
              "files." + l.get("status")));
    }
    RewrapReport r = report.registry();
    if (r != null) {
      add(out, labels, "rewrapped", r.rewrapped());
      add(out, labels, "failed", r.failed());
      add(out, labels, "stale", r.stale());
      add(out, labels, "current", r.current());
    }
    return out;
  }

  private static void add(
      List<MetricSample> out, Map<String, String> labels, String outcome, long n) {
    Map<String, String> l = new LinkedHashMap<>(labels);
    l.put("outcome", outcome);
    out.add(
        new MetricSample(
            "pipeseal_job_registry_records",
            l,
            n,
            false,
            "Registry records of the last run by outcome",
            "registry." + outcome));
  }
}
