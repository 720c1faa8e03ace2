package dev.pipeseal.registry;

import dev.pipeseal.kms.registry.KeyId;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.OptionalLong;

/**
 * File naming shared by every store: {@code keys/<first two hex digits>/<16 hex
 * digits>/<gen>.json}. The two-digit fan-out keeps directories small (HDFS limits entries per
 * directory). Temporary files start with a dot, so listings skip them.
 */
final class RegistryLayout {
  static final String KEYS = "keys";
  static final String ALIASES = "aliases";
  static final String ALIAS_SUFFIX = ".id";
  static final String SUFFIX = ".json";
  static final String TEMP_PREFIX = ".";
  static final String TEMP_SUFFIX = ".tmp";

  private static final SecureRandom RANDOM = new SecureRandom();

  private RegistryLayout() {}

  private static final java.util.regex.Pattern ALIAS_SEGMENT =
      java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,128}");

  /**
   * Path of an alias file below the registry root, {@code aliases/<name>.id}, where {@code name} is
   * one or more {@code /}-separated segments of {@code A-Z a-z 0-9 . _ -} (no {@code ..}).
   *
   * @throws IllegalArgumentException if the name is not of that form
   */
  static String aliasFile(String name) {
    String[] segments = name.split("/", -1);
    for (String segment : segments) {
      if (!ALIAS_SEGMENT.matcher(segment).matches()
          || segment.equals("..")
          || segment.equals(".")) {
        throw new IllegalArgumentException(
            "alias name '" + name + "' is not /-separated segments of A-Z a-z 0-9 . _ -");
      }
    }
    return ALIASES + "/" + name + ALIAS_SUFFIX;
  }

  /** A unique temporary name beside a file being published. */
  static String temporaryFile(String fileName) {
    byte[] nonce = new byte[8];
    RANDOM.nextBytes(nonce);
    return TEMP_PREFIX + fileName + "." + HexFormat.of().formatHex(nonce) + TEMP_SUFFIX;
  }

  /** Fan-out directory name of an id. */
  static String shard(KeyId id) {
    return id.hex().substring(0, 2);
  }

  static String generationFile(long generation) {
    return generation + SUFFIX;
  }

  /** A unique temporary name for a writer of {@code generation}. */
  static String temporaryFile(long generation) {
    return temporaryFile(generationFile(generation));
  }

  static boolean isTemporary(String name) {
    return name.startsWith(TEMP_PREFIX) && name.endsWith(TEMP_SUFFIX);
  }

  /** The generation a published file name encodes, or empty for any other file. */
  static OptionalLong parseGeneration(String name) {
    if (!name.endsWith(SUFFIX) || name.length() == SUFFIX.length() || name.length() > 24) {
      return OptionalLong.empty();
    }
    String digits = name.substring(0, name.length() - SUFFIX.length());
    for (int i = 0; i < digits.length(); i++) {
      if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
        return OptionalLong.empty();
      }
    }
    // Reject leading zeros so one generation has exactly one name.
    if (digits.charAt(0) == '0') {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(digits));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /** Parses a 16-hex-digit directory name, or returns null for anything else. */
  static KeyId parseId(String name) {
    if (name.length() != 16) {
      return null;
    }
    // ASCII only: Character.digit also accepts other scripts' digits, which KeyId.parse refuses.
    for (int i = 0; i < 16; i++) {
      char c = name.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return null;
      }
    }
    return KeyId.parse(name);
  }
}
