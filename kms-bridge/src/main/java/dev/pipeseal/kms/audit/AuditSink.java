package dev.pipeseal.kms.audit;

/**
 * Where audit events go. Implementations must be thread-safe and should write each event before
 * returning: {@link AuditingKms} refuses to hand out a key whose access could not be recorded.
 */
public interface AuditSink extends AutoCloseable {
  void write(AuditEvent event);

  @Override
  default void close() {}
}
