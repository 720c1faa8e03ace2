package dev.pipeseal.kms.settings;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The properties one component declares, under one prefix (e.g. {@code pipeseal.kms.} for the
 * bridge, nothing for a provider's own settings). Names under a pass-through prefix (e.g. {@code
 * provider.}) belong to someone else and are neither checked nor listed here.
 *
 * @param title component name, a heading in {@code docs/settings.md}
 * @param prefix prefix of every name when the component is configured, e.g. {@code
 *     pipeseal.kafka.}; documentation only: {@link Settings} views are scoped by the caller
 * @param properties the declared properties
 * @param passThrough relative prefixes handed on unchecked, each with what they are for
 */
public record PropertySet(
    String title, String prefix, List<Property<?>> properties, Map<String, String> passThrough) {

  public PropertySet {
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(prefix, "prefix");
    properties = List.copyOf(properties);
    // Ordered, so that the generated settings table is stable.
    passThrough = Collections.unmodifiableMap(new LinkedHashMap<>(passThrough));
    Map<String, Property<?>> seen = new LinkedHashMap<>();
    for (Property<?> p : properties) {
      for (String n : names(p)) {
        if (seen.put(n, p) != null) {
          throw new IllegalArgumentException(title + " declares '" + n + "' twice");
        }
      }
    }
  }

  /** A set without pass-through prefixes. */
  public static PropertySet of(String title, String prefix, Property<?>... properties) {
    return new PropertySet(title, prefix, List.of(properties), Map.of());
  }

  /** Adds a relative prefix whose names are handed on unchecked, and what they are for. */
  public PropertySet withPassThrough(String relativePrefix, String meaning) {
    Map<String, String> more = new LinkedHashMap<>(passThrough);
    more.put(relativePrefix, meaning);
    return new PropertySet(title, prefix, properties, more);
  }

  /** The declared property named {@code name} or one of its aliases, or null. */
  public Property<?> find(String name) {
    for (Property<?> p : properties) {
      if (p.name().equals(name) || p.aliases().contains(name)) {
        return p;
      }
    }
    return null;
  }

  /** True if {@code name} falls under a pass-through prefix. */
  public boolean passesThrough(String name) {
    for (String p : passThrough.keySet()) {
      if (name.startsWith(p)) {
        return true;
      }
    }
    return false;
  }

  /** The current (not deprecated) name closest to {@code name} by edit distance, or null. */
  public String nearest(String name) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (Property<?> p : properties) {
      for (String candidate : names(p)) {
        int d = editDistance(name, candidate);
        if (d < bestDistance) {
          bestDistance = d;
          best = p.name();
        }
      }
    }
    return best;
  }

  private static List<String> names(Property<?> p) {
    List<String> all = new ArrayList<>();
    all.add(p.name());
    all.addAll(p.aliases());
    return all;
  }

  /** Levenshtein distance, case-insensitive so {@code cacheSize} is near {@code cache-size}. */
  static int editDistance(String a, String b) {
    String x = a.toLowerCase(java.util.Locale.ROOT);
    String y = b.toLowerCase(java.util.Locale.ROOT);
    int[] prev = new int[y.length() + 1];
    int[] cur = new int[y.length() + 1];
    for (int j = 0; j <= y.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= x.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= y.length(); j++) {
        int cost = x.charAt(i - 1) == y.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[y.length()];
  }
}
