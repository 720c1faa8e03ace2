package dev.pipeseal.spark.config;

/** An unknown or invalid {@code spark.pipeseal.*} setting; the message names the property. */
public final class PipesealConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public PipesealConfigException(String message) {
    super(message);
  }

  public PipesealConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
