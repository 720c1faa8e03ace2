package dev.pipeseal.parquet.policy;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Chooses schema fields. Written as:
 *
 * <ul>
 *   <li>{@code ssn}, {@code address.zip}: a field by its path, without Parquet's list and map
 *       plumbing ({@code embedding}, not {@code embedding.list.element}). A group (struct, array,
 *       map) selects every column below it. Must match, so a typo fails the write.
 *   <li>{@code glob:pii_*}: fields whose path matches; {@code *} and {@code ?} stay within one path
 *       segment, {@code **} crosses segments.
 *   <li>{@code type:array<float>}: fields of that type, e.g. every embedding column; {@code *}
 *       matches anything ({@code type:array<*>}). Types as Spark names them: {@code string}, {@code
 *       binary}, {@code int}, {@code bigint}, {@code float}, {@code double}, {@code boolean},
 *       {@code date}, {@code timestamp}, {@code decimal}, {@code array<..>}, {@code map<..,..>},
 *       {@code struct}.
 * </ul>
 *
 * @param kind how {@code pattern} is matched
 * @param pattern the path, glob or type pattern
 */
public record ColumnSelector(Kind kind, String pattern) {
  /** Selector kinds. */
  public enum Kind {
    NAME,
    GLOB,
    TYPE
  }

  public ColumnSelector {
    if (pattern == null || pattern.isBlank()) {
      throw new PolicyException("empty column selector");
    }
  }

  /** Parses {@code name}, {@code glob:...} or {@code type:...}. */
  public static ColumnSelector parse(String text) {
    String t = text.trim();
    if (t.startsWith("glob:")) {
      return new ColumnSelector(Kind.GLOB, t.substring(5).trim());
    }
    if (t.startsWith("type:")) {
      return new ColumnSelector(Kind.TYPE, normalizeType(t.substring(5)));
    }
    if (t.indexOf('*') >= 0 || t.indexOf('?') >= 0) {
      return new ColumnSelector(Kind.GLOB, t);
    }
    return new ColumnSelector(Kind.NAME, t);
  }

  /** Whether this selector picks a field with this logical path and type name. */
  public boolean matches(String path, String typeName) {
    return switch (kind) {
      case NAME -> pattern.equals(path);
      case GLOB -> globRegex(pattern, false).matcher(path).matches();
      case TYPE -> globRegex(pattern, true).matcher(typeName).matches();
    };
  }

  /** A name selector must match something; globs and types may match nothing in a file. */
  public boolean mustMatch() {
    return kind == Kind.NAME;
  }

  static String normalizeType(String type) {
    return type.replaceAll("\\s+", "").toLowerCase(Locale.ROOT);
  }

  private static Pattern globRegex(String glob, boolean anyChar) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
        re.append(".*");
        i++;
      } else if (c == '*') {
        re.append(anyChar ? ".*" : "[^.]*");
      } else if (c == '?') {
        re.append(anyChar ? "." : "[^.]");
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }

  @Override
  public String toString() {
    return switch (kind) {
      case NAME -> pattern;
      case GLOB -> "glob:" + pattern;
      case TYPE -> "type:" + pattern;
    };
  }
}
