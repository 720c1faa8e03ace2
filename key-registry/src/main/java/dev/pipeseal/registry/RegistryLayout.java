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
  static final String SUFFIX = ".json";
  static final String TEMP_PREFIX = ".";
  static final String TEMP_SUFFIX = ".tmp";

  private static final SecureRandom RANDOM = new SecureRandom();

  private RegistryLayout() {}

  /** Fan-out directory name of an id. */
  static String shard(KeyId id) {
    return id.hex().substring(0, 2);
  }

  static String generationFile(long generation) {
    return generation + SUFFIX;
  }

  /** A unique temporary name for a writer of {@code generation}. */
  static String temporaryFile(long generation) {
    byte[] nonce = new byte[8];
    RANDOM.nextBytes(nonce);
    return TEMP_PREFIX + generation + SUFFIX + "." + HexFormat.of().formatHex(nonce) + TEMP_SUFFIX;
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
    for (int i = 0; i < 16; i++) {
      if (Character.digit(name.charAt(i), 16) < 0 || Character.isUpperCase(name.charAt(i))) {
        return null;
      }
    }
    return KeyId.parse(name);
  }
}
