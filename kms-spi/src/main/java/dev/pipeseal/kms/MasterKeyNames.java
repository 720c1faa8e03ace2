package dev.pipeseal.kms;

import java.util.regex.Pattern;

/**
 * The one rule for master key names across providers: 1-128 characters of {@code A-Z a-z 0-9 . _
 * -}, starting with a letter or digit. Names travel in wrapped-key records, registry aliases, file
 * names and URLs, so this set is safe in all of them. A provider may narrow it where its store
 * cannot hold every such name (and says why in its message), never widen it.
 */
public final class MasterKeyNames {
  /** Longest name any provider accepts. */
  public static final int MAX_LENGTH = 128;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private MasterKeyNames() {}

  /** True if {@code name} follows the common rule. */
  public static boolean isValid(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /**
   * Checks the common rule, then the provider's narrower one.
   *
   * @param maxLength the provider's limit, at most {@link #MAX_LENGTH}
   * @param lowerCaseOnly whether the provider's store folds case (so upper case would alias)
   * @param why the reason for the narrowing, shown to the user; null when there is none
   * @throws KmsConfigException naming the provider and the rule
   */
  public static void check(
      String providerId, String name, int maxLength, boolean lowerCaseOnly, String why) {
    boolean ok =
        isValid(name)
            && name.length() <= maxLength
            && (!lowerCaseOnly || name.equals(name.toLowerCase(java.util.Locale.ROOT)));
    if (!ok) {
      throw new KmsConfigException(
          providerId,
          name,
          "invalid master key name: use 1-"
              + maxLength
              + " of "
              + (lowerCaseOnly ? "a-z" : "A-Z, a-z")
              + ", 0-9, '.', '_', '-', starting with a letter or digit"
              + (why == null ? "" : " (" + why + ")"));
    }
  }
}
