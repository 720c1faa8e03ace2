package dev.pipeseal.spark.sql;

/** A Pipeseal function was called wrongly (arguments, types, missing settings or keys). */
public final class PipesealUsageException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public PipesealUsageException(String message) {
    super(message);
  }

  public PipesealUsageException(String message, Throwable cause) {
    super(message, cause);
  }
}
