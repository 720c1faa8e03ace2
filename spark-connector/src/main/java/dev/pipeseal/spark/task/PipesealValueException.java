package dev.pipeseal.spark.task;

/**
 * A value could not be encrypted or decrypted. The message names the function, column, context and
 * master key (when known) and the cause keeps the precise type; it never holds key bytes or
 * plaintext.
 */
public final class PipesealValueException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PipesealValueException(
      String function,
      String column,
      String context,
      String keyName,
      String what,
      Throwable cause) {
    super(
        function
            + " failed for column '"
            + column
            + "' (context '"
            + context
            + "'"
            + (keyName == null ? "" : ", master key '" + keyName + "'")
            + "): "
            + what,
        cause);
  }
}
