package dev.pipeseal.fuzz;

import java.util.List;

/**
 * The fuzzing property: an input either parses or is refused with one of the parser's typed
 * exceptions. Anything else (an unchecked JDK exception, an {@link OutOfMemoryError} from a length
 * read off the input, a {@link StackOverflowError}) is turned into an {@link AssertionError} so
 * that Jazzer reports it as a finding and the regression run fails on it.
 */
public final class Property {
  /**
   * How long one target fuzzes under {@code JAZZER_FUZZ=1} (regression runs ignore it). One place,
   * because annotation values must be constants; raise it for a longer campaign.
   */
  public static final String FUZZ_DURATION = "60s";

  private Property() {}

  /** A parser call; may throw anything. */
  @FunctionalInterface
  public interface Call {
    void run() throws Exception;
  }

  /** Runs {@code call}; fails unless it returns or throws an instance of one of {@code typed}. */
  @SafeVarargs
  public static void parsesOrThrows(Call call, Class<? extends Throwable>... typed) {
    try {
      call.run();
    } catch (Throwable t) {
      for (Class<? extends Throwable> c : typed) {
        if (c.isInstance(t)) {
          return;
        }
      }
      throw new AssertionError(
          "untyped "
              + t.getClass().getName()
              + " (allowed: "
              + List.of(typed).stream().map(Class::getSimpleName).toList()
              + ")",
          t);
    }
  }
}
