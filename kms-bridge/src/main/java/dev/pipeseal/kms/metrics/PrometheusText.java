package dev.pipeseal.kms.metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders samples in the Prometheus text exposition format (version 0.0.4), for a node exporter's
 * textfile collector or any scraper that reads a file. No client library: the format is a few lines
 * of text.
 */
public final class PrometheusText {
  private PrometheusText() {}

  /** One {@code # HELP} and {@code # TYPE} per metric name, then its samples. */
  public static String render(List<MetricSample> samples) {
    Map<String, StringBuilder> byName = new LinkedHashMap<>();
    for (MetricSample s : samples) {
      StringBuilder b =
          byName.computeIfAbsent(
              s.name(),
              n ->
                  new StringBuilder()
                      .append("# HELP ")
                      .append(n)
                      .append(' ')
                      .append(s.help() == null ? n : s.help().replace('\n', ' '))
                      .append('\n')
                      .append("# TYPE ")
                      .append(n)
                      .append(' ')
                      .append(s.counter() ? "counter" : "gauge")
                      .append('\n'));
      b.append(s.name());
      if (!s.labels().isEmpty()) {
        b.append('{');
        boolean first = true;
        for (Map.Entry<String, String> l : s.labels().entrySet()) {
          if (!first) {
            b.append(',');
          }
          first = false;
          b.append(l.getKey()).append("=\"").append(escape(l.getValue())).append('"');
        }
        b.append('}');
      }
      b.append(' ').append(number(s.value())).append('\n');
    }
    StringBuilder out = new StringBuilder();
    byName.values().forEach(out::append);
    return out.toString();
  }

  private static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private static String number(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return String.format(Locale.ROOT, "%.9g", v);
  }
}
