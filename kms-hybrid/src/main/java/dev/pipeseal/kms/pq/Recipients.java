package dev.pipeseal.kms.pq;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Recipient names and recipient sets. A master key name of this provider is a recipient set: one
 * recipient name, or several joined by {@code +} (e.g. {@code data-team+break-glass}); its version
 * is the member key versions joined the same way (e.g. {@code 3+1}).
 */
final class Recipients {
  /** As local key store names: PKCS#12 aliases are case-insensitive, so lower case only. */
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,127}");

  private Recipients() {}

  static boolean isValidName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  /**
   * Members of a recipient set, in order; null if {@code masterKeyName} is not a valid set (bad
   * name, duplicate, more than {@link HybridFormat#MAX_RECIPIENTS}).
   */
  static List<String> parseSet(String masterKeyName) {
    if (masterKeyName == null || masterKeyName.isEmpty()) {
      return null;
    }
    List<String> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String part : masterKeyName.split("\\+", -1)) {
      if (!isValidName(part) || !seen.add(part)) {
        return null;
      }
      out.add(part);
    }
    return out.size() <= HybridFormat.MAX_RECIPIENTS ? List.copyOf(out) : null;
  }

  /** The set's version string for these member versions. */
  static String setVersion(List<Integer> versions) {
    StringBuilder b = new StringBuilder();
    for (int v : versions) {
      if (b.length() > 0) {
        b.append('+');
      }
      b.append(v);
    }
    return b.toString();
  }
}
