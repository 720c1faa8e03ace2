package dev.pipeseal.kms.settings;

import dev.pipeseal.kms.KmsService;
import dev.pipeseal.kms.secret.Secret;
import dev.pipeseal.kms.secret.SecretReference;
import dev.pipeseal.kms.secret.SecretSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A read-only view of flat string settings, read through declared {@link Property properties}.
 *
 * <ul>
 *   <li>{@link #scoped} narrows the view to one prefix ({@code settings.scoped("pipeseal.kms.")}),
 *       names in messages keep the full prefix.
 *   <li>{@link #overlay} reads {@code SIDE.NAME} before {@code NAME}, for settings that a Kafka
 *       record key or value side may override ({@code pipeseal.value.mode} over {@code
 *       pipeseal.mode}).
 *   <li>{@link #validate} rejects unknown names with the nearest valid one, and reports deprecated
 *       names to the warning sink ({@link #withWarnings}); this module has no logger, callers that
 *       have one pass it.
 * </ul>
 *
 * Errors are {@link SettingsException}s naming the full property; values of secret properties are
 * never repeated.
 */
public final class Settings {
  private final Map<String, String> values;
  private final String prefix;
  private final String source;
  private final String side;
  private final List<String> sides;
  private final Consumer<String> warnings;

  private Settings(
      Map<String, String> values,
      String prefix,
      String source,
      String side,
      List<String> sides,
      Consumer<String> warnings) {
    this.values = values;
    this.prefix = prefix;
    this.source = source;
    this.side = side;
    this.sides = sides;
    this.warnings = warnings;
  }

  /**
   * A view of {@code map}; values may be strings or, as Kafka allows, classes (read as their name),
   * numbers and booleans. Null names and values are skipped; values are trimmed.
   */
  public static Settings of(Map<String, ?> map) {
    Map<String, String> out = new TreeMap<>();
    map.forEach(
        (k, v) -> {
          if (k != null && v != null) {
            out.put(k, v instanceof Class<?> c ? c.getName() : String.valueOf(v).strip());
          }
        });
    return new Settings(
        Collections.unmodifiableMap(out), "", "config", null, List.of(), warning -> {});
  }

  /** As {@link #of(Map)} from {@link Properties}. */
  public static Settings of(Properties properties) {
    Map<String, String> map = new TreeMap<>();
    for (String name : properties.stringPropertyNames()) {
      map.put(name, properties.getProperty(name));
    }
    return of(map);
  }

  /** Names the component in errors (the {@code [source]} of the message), e.g. {@code pkcs11}. */
  public Settings withSource(String source) {
    return new Settings(values, prefix, Objects.requireNonNull(source), side, sides, warnings);
  }

  /** Where {@link #validate} reports deprecated names. */
  public Settings withWarnings(Consumer<String> sink) {
    return new Settings(values, prefix, source, side, sides, Objects.requireNonNull(sink));
  }

  /** The settings under {@code relativePrefix}, with it removed from their names. */
  public Settings scoped(String relativePrefix) {
    Map<String, String> out = new TreeMap<>();
    values.forEach(
        (k, v) -> {
          if (k.startsWith(relativePrefix)) {
            out.put(k.substring(relativePrefix.length()), v);
          }
        });
    return new Settings(
        Collections.unmodifiableMap(out),
        prefix + relativePrefix,
        source,
        null,
        List.of(),
        warnings);
  }

  /**
   * A view that reads {@code side + NAME} before {@code NAME}.
   *
   * @param side e.g. {@code value.}
   * @param allSides every side prefix (e.g. {@code key.}, {@code value.}), stripped by {@link
   *     #validate} before a name is looked up
   */
  public Settings overlay(String side, String... allSides) {
    List<String> all = new ArrayList<>(List.of(allSides));
    if (!all.contains(side)) {
      all.add(side);
    }
    return new Settings(values, prefix, source, side, List.copyOf(all), warnings);
  }

  /** Raw settings of this view (relative names), e.g. to hand on or to key a cache. */
  public Map<String, String> asMap() {
    return values;
  }

  /** The entries under a pass-through prefix, prefix removed. */
  public Map<String, String> passThrough(String relativePrefix) {
    return scoped(relativePrefix).asMap();
  }

  /** Full name of a relative name, for messages. */
  public String fullName(String relativeName) {
    return prefix + relativeName;
  }

  /** Full name under which {@code property} is set (side first, aliases last), else its name. */
  public String fullName(Property<?> property) {
    String found = lookup(property);
    return fullName(found != null ? found : property.name());
  }

  /** True if the property (or a deprecated alias of it) is set to a non-blank value. */
  public boolean isSet(Property<?> property) {
    return lookup(property) != null;
  }

  /** The parsed value, or the property's default when unset or blank. */
  public <T> T get(Property<T> property) {
    String name = lookup(property);
    if (name == null) {
      return property.defaultValue();
    }
    String text = values.get(name);
    try {
      return property.parse(text);
    } catch (IllegalArgumentException e) {
      throw new SettingsException(
          source,
          fullName(name),
          "invalid value "
              + (property.isSecret() ? "" : "'" + text + "' ")
              + "for '"
              + fullName(name)
              + "': "
              + e.getMessage());
    }
  }

  /** As {@link #get}, but an unset property with no default is an error. */
  public <T> T require(Property<T> property) {
    T value = get(property);
    if (value == null) {
      throw new SettingsException(
          source, fullName(property.name()), "'" + fullName(property.name()) + "' is required");
    }
    return value;
  }

  /** Resolves a secret property; the caller closes the result. */
  public Secret secret(Property<SecretReference> property, SecretSource secrets) {
    SecretReference reference = require(property);
    return secrets.secret(reference, source, fullName(property));
  }

  /**
   * The value of {@code property}, read from the environment variable or file it names when it is
   * an {@code env:}/{@code file:} reference (for values that are not secrets but may live outside
   * the configuration).
   */
  public String valueOrReference(Property<String> property, SecretSource secrets) {
    String value = get(property);
    return value == null ? null : secrets.valueOrReference(value, source, fullName(property));
  }

  /** An error about {@code property}, for rules across several settings. */
  public SettingsException invalid(Property<?> property, String why) {
    return new SettingsException(source, fullName(property), "'" + fullName(property) + "' " + why);
  }

  /**
   * Checks every name in this view against {@code declared}: deprecated names are reported to the
   * warning sink, unknown names (outside pass-through prefixes) are rejected.
   *
   * @throws SettingsException naming the first unknown property and the nearest valid name
   */
  public Settings validate(PropertySet declared) {
    for (String name : values.keySet()) {
      String bare = name;
      for (String s : sides) {
        if (name.startsWith(s)) {
          bare = name.substring(s.length());
          break;
        }
      }
      // The bridge hands every provider its per-attempt timeout as a hint; providers without a
      // client timeout of their own ignore it rather than reject it.
      if (declared.passesThrough(bare) || bare.equals(KmsService.BRIDGE_TIMEOUT)) {
        continue;
      }
      Property<?> property = declared.find(bare);
      if (property == null) {
        String nearest = declared.nearest(bare);
        throw new SettingsException(
            source,
            fullName(name),
            "unknown property '"
                + fullName(name)
                + "'"
                + (nearest == null ? "" : "; nearest valid name: '" + fullName(nearest) + "'")
                + " (see docs/settings.md)");
      }
      if (!property.name().equals(bare)) {
        String current =
            fullName(name.substring(0, name.length() - bare.length()) + property.name());
        warnings.accept(
            "'" + fullName(name) + "' is deprecated; use '" + current + "' (same value)");
      }
    }
    return this;
  }

  /** The relative name the property is set under in this view, or null. */
  private String lookup(Property<?> property) {
    if (side != null) {
      String found = lookupPlain(side, property);
      if (found != null) {
        return found;
      }
    }
    return lookupPlain("", property);
  }

  private String lookupPlain(String at, Property<?> property) {
    String found = null;
    List<String> names = new ArrayList<>();
    names.add(property.name());
    names.addAll(property.aliases());
    for (String n : names) {
      String value = values.get(at + n);
      if (value == null || value.isBlank()) {
        continue;
      }
      if (found == null) {
        found = at + n;
      } else if (!values.get(found).equals(value)) {
        throw new SettingsException(
            source,
            fullName(found),
            "'"
                + fullName(found)
                + "' and its deprecated name '"
                + fullName(at + n)
                + "' are both set, to different values; remove '"
                + fullName(at + n)
                + "'");
      }
    }
    return found;
  }
}
