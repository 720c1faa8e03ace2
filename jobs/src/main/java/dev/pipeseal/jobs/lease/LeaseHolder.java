package dev.pipeseal.jobs.lease;

import dev.pipeseal.kms.json.FlatJson;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a lease file says about the job holding it. The owner token is random per run: it tells two
 * runs of one process apart, and a holder from the job that took its lease over.
 *
 * @param job the command line's job, e.g. {@code rotate} or {@code reencrypt}
 * @param owner random token of the run
 * @param host host name of the holder's machine
 * @param pid the holder's process id
 * @param started when the holder took the lease
 * @param heartbeat when the holder last renewed it
 */
public record LeaseHolder(
    String job, String owner, String host, long pid, Instant started, Instant heartbeat) {
  static final int FORMAT = 1;

  String toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", FORMAT);
    m.put("job", job);
    m.put("owner", owner);
    m.put("host", host);
    m.put("pid", pid);
    m.put("started", started.toString());
    m.put("heartbeat", heartbeat.toString());
    return FlatJson.write(m);
  }

  /**
   * Parses a lease file.
   *
   * @throws IllegalArgumentException if it is not a lease this version understands
   */
  static LeaseHolder parse(String json) {
    Map<String, Object> m = FlatJson.parse(json);
    Object format = m.get("format");
    if (!(format instanceof Long f) || f != FORMAT) {
      throw new IllegalArgumentException("unknown lease format " + format);
    }
    return new LeaseHolder(
        text(m, "job"),
        text(m, "owner"),
        text(m, "host"),
        m.get("pid") instanceof Long p ? p : -1,
        Instant.parse(text(m, "started")),
        Instant.parse(text(m, "heartbeat")));
  }

  private static String text(Map<String, Object> m, String name) {
    if (!(m.get(name) instanceof String s)) {
      throw new IllegalArgumentException("lease member '" + name + "' missing");
    }
    return s;
  }

  LeaseHolder renewed(Instant now) {
    return new LeaseHolder(job, owner, host, pid, started, now);
  }

  /** For messages: what a second job, or an operator, needs to find the holder. */
  public String describe() {
    return "job '"
        + job
        + "' on host "
        + host
        + ", pid "
        + pid
        + ", started "
        + started
        + ", last heartbeat "
        + heartbeat;
  }

  /** For JSON reports. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("job", job);
    m.put("host", host);
    m.put("pid", pid);
    m.put("started", started.toString());
    m.put("heartbeat", heartbeat.toString());
    return m;
  }
}
