package dev.pipeseal.kms.audit;

/**
 * What the current thread is working on, recorded in every audit event it causes, e.g. {@code
 * spark:db.table.col} or {@code kafka:topic.field}. Captured when a call starts, so asynchronous
 * completion on other threads keeps the caller's context.
 *
 * <pre>{@code
 * try (AuditContext.Scope ignored = AuditContext.with("spark:sales.customers.ssn")) {
 *   kms.unwrap(wrapped);
 * }
 * }</pre>
 */
public final class AuditContext {
  private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

  private AuditContext() {}

  /** Restores the previous context when closed. */
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  /** Sets the context until the returned scope is closed; scopes nest. */
  public static Scope with(String context) {
    String previous = CURRENT.get();
    CURRENT.set(context);
    return () -> {
      if (previous == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(previous);
      }
    };
  }

  /** The current thread's context, or null. */
  public static String current() {
    return CURRENT.get();
  }
}
