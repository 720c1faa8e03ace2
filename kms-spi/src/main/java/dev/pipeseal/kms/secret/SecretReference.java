package dev.pipeseal.kms.secret;

import java.util.Objects;

/**
 * Where a secret is, never the secret: {@code env:NAME} or {@code file:/path}. Safe to print.
 *
 * @param scheme {@code env} or {@code file}
 * @param target the variable name or file path
 */
public record SecretReference(String scheme, String target) {
  public static final String ENV = "env";
  public static final String FILE = "file";

  public SecretReference {
    Objects.requireNonNull(scheme, "scheme");
    Objects.requireNonNull(target, "target");
    if (!scheme.equals(ENV) && !scheme.equals(FILE)) {
      throw new IllegalArgumentException("scheme must be env or file");
    }
    if (target.isEmpty()) {
      throw new IllegalArgumentException("reference names no " + scheme);
    }
  }

  /** True when {@code text} has the form of a reference (so it is not an inline value). */
  public static boolean isReference(String text) {
    return text != null && (text.startsWith(ENV + ":") || text.startsWith(FILE + ":"));
  }

  /**
   * Parses {@code env:NAME} or {@code file:/path}.
   *
   * @throws IllegalArgumentException without repeating {@code text}, which may be an inline secret
   */
  public static SecretReference parse(String text) {
    if (!isReference(text)) {
      throw new IllegalArgumentException(
          "must be a reference 'env:NAME' or 'file:/path', never the secret itself");
    }
    int colon = text.indexOf(':');
    return new SecretReference(text.substring(0, colon), text.substring(colon + 1));
  }

  @Override
  public String toString() {
    return scheme + ":" + target;
  }
}
