package dev.pipeseal.kms.audit;

import dev.pipeseal.kms.WrappedKey;
import java.time.Clock;
import java.util.Objects;

/**
 * Stamps and writes audit events: time, principal and the default context come from here. Shared by
 * {@link AuditingKms} and by layers below it that destroy keys (the caches), which report through
 * {@link #destroyed}.
 */
public final class AuditLog implements AutoCloseable {
  private final AuditSink sink;
  private final String principal;
  private final String defaultContext;
  private final Clock clock;

  /**
   * @param principal recorded as who acted; null means the OS user ({@code user.name})
   * @param defaultContext recorded when the calling thread set no {@link AuditContext}; may be null
   */
  public AuditLog(AuditSink sink, String principal, String defaultContext, Clock clock) {
    this.sink = Objects.requireNonNull(sink, "sink");
    this.principal = principal != null ? principal : System.getProperty("user.name");
    this.defaultContext = defaultContext;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The caller's context now, or the default. */
  String context() {
    String c = AuditContext.current();
    return c != null ? c : defaultContext;
  }

  void record(
      String provider,
      String keyName,
      String version,
      String operation,
      String outcome,
      String context,
      String toVersion) {
    sink.write(
        new AuditEvent(
            clock.instant(),
            principal,
            provider,
            keyName,
            version,
            operation,
            outcome,
            context,
            toVersion,
            null));
  }

  /**
   * Records an administrative action on a master key ({@code create}, {@code rotate}, {@code
   * retire}), which admin tools perform on the provider directly, outside the decorator stack; or
   * on keys kept outside the KMS ({@code shred} of a subject's keys: provider {@code key-registry},
   * {@code keyName} the subject's hash, never the subject id). Throws if the sink cannot write, so
   * the caller can report that the trail is incomplete.
   *
   * @param version the version acted on (for {@code retire}) or made (for {@code rotate})
   * @param outcome {@code ok}, {@code refused}, or the failure's exception type
   * @param reason why, e.g. what still used a version whose retirement was refused; may be null
   */
  public void admin(
      String provider,
      String keyName,
      String version,
      String operation,
      String outcome,
      String reason) {
    sink.write(
        new AuditEvent(
            clock.instant(),
            principal,
            provider,
            keyName,
            version,
            operation,
            outcome,
            context(),
            null,
            reason));
  }

  /**
   * Records that a layer dropped (and so destroyed, once its users close it) an unwrapped key.
   * Never throws: the key is gone either way.
   */
  public void destroyed(WrappedKey key, String reason) {
    try {
      sink.write(
          new AuditEvent(
              clock.instant(),
              principal,
              key.provider(),
              key.masterKeyName(),
              key.masterKeyVersion(),
              "destroy",
              "ok",
              defaultContext,
              null,
              reason));
    } catch (RuntimeException e) {
      // Nothing to refuse any more; the failure shows on the next audited operation.
    }
  }

  @Override
  public void close() {
    sink.close();
  }
}
