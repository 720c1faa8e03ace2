package dev.pipeseal.kms.secret;

import dev.pipeseal.kms.KmsConfigException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Function;

/**
 * The one resolver of secrets given by reference: {@code env:NAME} (an environment variable) or
 * {@code file:/path} (a file's content, one trailing newline removed). Inline secrets are refused
 * so a password never sits in a properties file, a Spark conf dump or a log line.
 */
public final class SecretSource {
  private final Function<String, String> environment;

  private SecretSource(Function<String, String> environment) {
    this.environment = Objects.requireNonNull(environment, "environment");
  }

  /** Reads the process environment. */
  public static SecretSource system() {
    return new SecretSource(System::getenv);
  }

  /** Reads {@code env:} references from {@code environment} instead; for tests and embedding. */
  public static SecretSource withEnvironment(Function<String, String> environment) {
    return new SecretSource(environment);
  }

  /**
   * Resolves a parsed reference into a {@link Secret} whose {@code toString} hides the value.
   *
   * @param source provider or component id for error messages
   * @param what the property the reference came from, for error messages
   */
  public Secret secret(SecretReference reference, String source, String what) {
    return new Secret(resolve(reference.toString(), source, what));
  }

  /**
   * Resolves {@code text} if it is a reference, else returns it as given: for values that are not
   * secrets but may be kept outside the configuration (a wrapped key record in a file).
   */
  public String valueOrReference(String text, String source, String what) {
    if (!SecretReference.isReference(text)) {
      return text;
    }
    char[] chars = resolve(text, source, what);
    try {
      return new String(chars);
    } finally {
      Arrays.fill(chars, '\0');
    }
  }

  /**
   * Returns the secret; the caller owns the array and should zero it when done.
   *
   * @param reference {@code env:NAME} or {@code file:/path}
   * @param provider provider id for error messages
   * @param what what the secret is for, e.g. {@code password}, for error messages
   * @throws KmsConfigException if the reference is inline, malformed, or resolves to nothing
   */
  public char[] resolve(String reference, String provider, String what) {
    if (reference == null || reference.isEmpty()) {
      throw new KmsConfigException(provider, null, "'" + what + "' is not set");
    }
    if (reference.startsWith("env:")) {
      String name = reference.substring(4);
      String value = name.isEmpty() ? null : environment.apply(name);
      if (value == null || value.isEmpty()) {
        throw new KmsConfigException(
            provider, null, "'" + what + "' refers to environment variable '" + name + "', unset");
      }
      return value.toCharArray();
    }
    if (reference.startsWith("file:")) {
      return readFile(reference.substring(5), provider, what);
    }
    // Never echo the value: it may be an inline password.
    throw new KmsConfigException(
        provider, null, "'" + what + "' must be a reference 'env:NAME' or 'file:/path'");
  }

  private static char[] readFile(String location, String provider, String what) {
    byte[] bytes = null;
    try {
      bytes = Files.readAllBytes(Path.of(location));
      int end = bytes.length;
      if (end > 0 && bytes[end - 1] == '\n') {
        end--;
        if (end > 0 && bytes[end - 1] == '\r') {
          end--;
        }
      }
      if (end == 0) {
        throw new KmsConfigException(
            provider, null, "'" + what + "' file '" + location + "' is empty");
      }
      CharBuffer chars =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes, 0, end));
      char[] out = Arrays.copyOfRange(chars.array(), chars.position(), chars.limit());
      Arrays.fill(chars.array(), '\0');
      return out;
    } catch (CharacterCodingException e) {
      throw new KmsConfigException(
          provider, null, "'" + what + "' file '" + location + "' is not UTF-8");
    } catch (IOException | RuntimeException e) {
      if (e instanceof KmsConfigException k) {
        throw k;
      }
      throw new KmsConfigException(
          provider,
          null,
          "'" + what + "' file '" + location + "' cannot be read: " + e.getClass().getSimpleName());
    } finally {
      if (bytes != null) {
        Arrays.fill(bytes, (byte) 0);
      }
    }
  }
}
