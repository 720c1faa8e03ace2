package dev.pipeseal.kms.settings;

import dev.pipeseal.kms.secret.SecretReference;
import java.net.URI;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One declared setting: its name (kebab-case, relative to its component's prefix), value type,
 * default, meaning and deprecated aliases. Declared once, as a constant of the component that reads
 * it; {@link Settings#get} parses it and the settings table in {@code docs/settings.md} is rendered
 * from it. Immutable; the modifiers return copies.
 *
 * @param <T> the parsed value type
 */
public final class Property<T> {
  private final String name;
  private final String type;
  private final T defaultValue;
  private final String defaultText;
  private final String doc;
  private final List<String> aliases;
  private final Function<String, T> parser;
  private final boolean secret;

  private Property(
      String name,
      String type,
      T defaultValue,
      String defaultText,
      String doc,
      List<String> aliases,
      Function<String, T> parser,
      boolean secret) {
    this.name = Objects.requireNonNull(name, "name");
    this.type = Objects.requireNonNull(type, "type");
    this.defaultValue = defaultValue;
    this.defaultText = defaultText;
    this.doc = Objects.requireNonNull(doc, "doc");
    this.aliases = List.copyOf(aliases);
    this.parser = Objects.requireNonNull(parser, "parser");
    this.secret = secret;
  }

  /**
   * A property of any type.
   *
   * @param type what a value looks like, for messages and the table
   * @param parser throws {@link IllegalArgumentException} stating the rule when a value is invalid
   */
  public static <T> Property<T> of(
      String name, String type, T defaultValue, Function<String, T> parser, String doc) {
    return new Property<>(
        name,
        type,
        defaultValue,
        defaultValue == null ? "" : String.valueOf(defaultValue),
        doc,
        List.of(),
        parser,
        false);
  }

  /** Free text; a blank value counts as unset. */
  public static Property<String> string(String name, String defaultValue, String doc) {
    return of(name, "string", defaultValue, Function.identity(), doc);
  }

  /** Whole number in {@code [min, max]}. */
  public static Property<Integer> integer(
      String name, Integer defaultValue, int min, int max, String doc) {
    return of(
        name,
        "integer " + range(min, max, Integer.MIN_VALUE, Integer.MAX_VALUE),
        defaultValue,
        v -> (int) whole(v, min, max, range(min, max, Integer.MIN_VALUE, Integer.MAX_VALUE)),
        doc);
  }

  /** Whole number in {@code [min, max]}; {@code _} may group digits ({@code 1_000_000}). */
  public static Property<Long> longInteger(
      String name, Long defaultValue, long min, long max, String doc) {
    return of(
        name,
        "integer " + range(min, max, Long.MIN_VALUE, Long.MAX_VALUE),
        defaultValue,
        v -> whole(v, min, max, range(min, max, Long.MIN_VALUE, Long.MAX_VALUE)),
        doc);
  }

  /** {@code true} or {@code false}, any case. */
  public static Property<Boolean> bool(String name, Boolean defaultValue, String doc) {
    return of(
        name,
        "boolean",
        defaultValue,
        v -> {
          if (v.equalsIgnoreCase("true")) {
            return true;
          }
          if (v.equalsIgnoreCase("false")) {
            return false;
          }
          throw new IllegalArgumentException("must be true or false");
        },
        doc);
  }

  /** A duration ({@link Quantities#duration}); a bare number is in {@code bareUnit}. */
  public static Property<Duration> duration(
      String name, Duration defaultValue, ChronoUnit bareUnit, String doc) {
    return new Property<>(
        name,
        "duration (bare number: " + bareUnit.name().toLowerCase(Locale.ROOT) + ")",
        defaultValue,
        defaultValue == null ? "" : Quantities.format(defaultValue),
        doc,
        List.of(),
        v -> Quantities.duration(v, bareUnit),
        false);
  }

  /** A byte count ({@link Quantities#bytes}). */
  public static Property<Long> size(String name, Long defaultValue, String doc) {
    return of(name, "size", defaultValue, Quantities::bytes, doc);
  }

  /**
   * One constant of {@code type}, matched ignoring case with {@code -} read as {@code _} (so {@code
   * json-fields} is {@code JSON_FIELDS}).
   */
  public static <E extends Enum<E>> Property<E> choice(
      String name, Class<E> type, E defaultValue, String doc) {
    List<String> names = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      names.add(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }
    return new Property<>(
        name,
        "one of " + String.join(", ", names),
        defaultValue,
        defaultValue == null ? "" : defaultValue.name().toLowerCase(Locale.ROOT).replace('_', '-'),
        doc,
        List.of(),
        v -> {
          String wanted = v.replace('-', '_');
          for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(wanted)) {
              return e;
            }
          }
          throw new IllegalArgumentException("must be one of " + String.join(", ", names));
        },
        false);
  }

  /** An absolute or relative URI. */
  public static Property<URI> uri(String name, URI defaultValue, String doc) {
    return of(
        name,
        "URI",
        defaultValue,
        v -> {
          try {
            return new URI(v);
          } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not a URI: " + e.getReason());
          }
        },
        doc);
  }

  /** Comma-separated values, each trimmed; empty items are dropped. Default: empty. */
  public static Property<List<String>> list(String name, String doc) {
    return of(
            name,
            "comma-separated list",
            List.<String>of(),
            v -> Arrays.stream(v.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList(),
            doc)
        .withDefaultText("");
  }

  /**
   * A secret given by reference ({@code env:NAME} or {@code file:/path}); an inline value is
   * refused and never repeated in messages. Resolve with {@link Settings#secret}.
   */
  public static Property<SecretReference> secret(String name, String doc) {
    return new Property<>(
        name, "secret reference", null, "", doc, List.of(), SecretReference::parse, true);
  }

  /** Also accepts {@code deprecated} names, with a warning. */
  public Property<T> withAliases(String... deprecated) {
    List<String> all = new ArrayList<>(aliases);
    all.addAll(List.of(deprecated));
    return new Property<>(name, type, defaultValue, defaultText, doc, all, parser, secret);
  }

  /**
   * Adds a rule every parsed value must meet, e.g. {@code d -> !d.isZero(), "must be positive"}.
   */
  public Property<T> withCheck(Predicate<T> ok, String rule) {
    Function<String, T> checked =
        v -> {
          T value = parser.apply(v);
          if (!ok.test(value)) {
            throw new IllegalArgumentException(rule);
          }
          return value;
        };
    return new Property<>(name, type, defaultValue, defaultText, doc, aliases, checked, secret);
  }

  /** States the default in words, for defaults that are computed (e.g. "the OS user"). */
  public Property<T> withDefaultText(String text) {
    return new Property<>(name, type, defaultValue, text, doc, aliases, parser, secret);
  }

  /** Parses a raw value. */
  public T parse(String text) {
    return parser.apply(text);
  }

  public String name() {
    return name;
  }

  public String type() {
    return type;
  }

  /** Value when unset; may be null. */
  public T defaultValue() {
    return defaultValue;
  }

  public String defaultText() {
    return defaultText;
  }

  public String doc() {
    return doc;
  }

  /** Deprecated names, relative to the same prefix as {@link #name}. */
  public List<String> aliases() {
    return aliases;
  }

  /** True when the value is a secret reference (and so a value is never echoed). */
  public boolean isSecret() {
    return secret;
  }

  @Override
  public String toString() {
    return name;
  }

  private static long whole(String text, long min, long max, String range) {
    long n;
    try {
      n = Long.parseLong(text.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be a whole number");
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException("must be " + range);
    }
    return n;
  }

  private static String range(long min, long max, long lowest, long highest) {
    if (max == highest) {
      return ">= " + min;
    }
    return min == lowest ? "<= " + max : min + ".." + max;
  }
}
