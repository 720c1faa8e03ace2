package dev.pipeseal.kms.audit;

import dev.pipeseal.kms.json.FlatJson;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One audited key operation. Holds names and versions only: there is deliberately no field that
 * could carry key bytes or wrapped bytes.
 *
 * @param time when the operation finished
 * @param principal who asked (configured, or the OS user)
 * @param provider provider id
 * @param keyName master key name
 * @param keyVersion master key version the operation used, null if unknown (e.g. on failure)
 * @param operation {@code generate}, {@code unwrap}, {@code rewrap} or {@code destroy}
 * @param outcome {@code ok}, or the failure's exception type, e.g. {@code UnknownKeyException}
 * @param context what the caller was working on, e.g. {@code spark:db.table.col}; may be null
 * @param toVersion for {@code rewrap}: the version after rewrapping; otherwise null
 * @param reason for {@code destroy}: why the key was dropped ({@code expired}, {@code evicted},
 *     {@code closed}); otherwise null
 */
public record AuditEvent(
    Instant time,
    String principal,
    String provider,
    String keyName,
    String keyVersion,
    String operation,
    String outcome,
    String context,
    String toVersion,
    String reason) {
  public AuditEvent {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(outcome, "outcome");
  }

  /** One line of flat JSON; optional members appear only when set. */
  public String toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("time", DateTimeFormatter.ISO_INSTANT.format(time));
    m.put("principal", principal);
    m.put("provider", provider);
    m.put("key", keyName);
    m.put("version", keyVersion);
    m.put("op", operation);
    m.put("outcome", outcome);
    m.put("context", context);
    if (toVersion != null) {
      m.put("toVersion", toVersion);
    }
    if (reason != null) {
      m.put("reason", reason);
    }
    return FlatJson.write(m);
  }
}
