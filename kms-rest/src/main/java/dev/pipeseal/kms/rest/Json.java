package dev.pipeseal.kms.rest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed JSON value with path accessors. The services answer with nested objects ({@code
 * data.ciphertext}, {@code primary.name}, {@code error.message}), which {@code FlatJson} refuses by
 * design; requests stay flat and are written with {@code FlatJson}.
 *
 * <p>Objects are {@code Map<String, Object>}, arrays {@code List<Object>}, numbers {@code Long} or
 * {@code Double}. A parse error names the offset only, never the text, since the text may be a
 * response that holds a key.
 */
public final class Json {
  private final Object value;

  private Json(Object value) {
    this.value = value;
  }

  /**
   * Parses a whole document.
   *
   * @throws IllegalArgumentException naming the offset of the first problem
   */
  public static Json parse(String text) {
    Parser p = new Parser(text);
    p.skipWhitespace();
    Object v = p.value(0);
    p.skipWhitespace();
    if (p.pos != text.length()) {
      throw p.error("trailing characters");
    }
    return new Json(v);
  }

  /** The member {@code name} of this object, or an absent value. */
  public Json get(String name) {
    if (value instanceof Map<?, ?> m) {
      return new Json(m.get(name));
    }
    return new Json(null);
  }

  /** Follows a dotted path of member names, e.g. {@code data.ciphertext}. */
  public Json at(String dottedPath) {
    Json j = this;
    for (String part : dottedPath.split("\\.")) {
      j = j.get(part);
    }
    return j;
  }

  /** True if this value is absent or JSON null. */
  public boolean isMissing() {
    return value == null;
  }

  /** The string value, if this is a string. */
  public Optional<String> string() {
    return value instanceof String s ? Optional.of(s) : Optional.empty();
  }

  /** The integral value of a number, or of a string holding one (some services quote numbers). */
  public Optional<Long> number() {
    if (value instanceof Long l) {
      return Optional.of(l);
    }
    if (value instanceof Double d && d == Math.rint(d)) {
      return Optional.of(d.longValue());
    }
    if (value instanceof String s) {
      try {
        return Optional.of(Long.parseLong(s.trim()));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /** The boolean value, if this is a boolean. */
  public Optional<Boolean> bool() {
    return value instanceof Boolean b ? Optional.of(b) : Optional.empty();
  }

  /** The elements of an array (empty if this is not one). */
  public List<Json> elements() {
    if (!(value instanceof List<?> list)) {
      return List.of();
    }
    List<Json> out = new ArrayList<>(list.size());
    for (Object o : list) {
      out.add(new Json(o));
    }
    return out;
  }

  /** The member names of an object in document order (empty if this is not one). */
  public List<String> names() {
    if (!(value instanceof Map<?, ?> m)) {
      return List.of();
    }
    List<String> out = new ArrayList<>(m.size());
    for (Object k : m.keySet()) {
      out.add((String) k);
    }
    return Collections.unmodifiableList(out);
  }

  /** Never shows the content, which may hold key material or a token. */
  @Override
  public String toString() {
    return "Json[" + (value == null ? "null" : value.getClass().getSimpleName()) + "]";
  }

  private static final class Parser {
    private static final int MAX_DEPTH = 64;
    private final String s;
    private int pos;

    Parser(String s) {
      this.s = s;
    }

    Object value(int depth) {
      if (depth > MAX_DEPTH) {
        throw error("nested too deeply");
      }
      char c = peek();
      switch (c) {
        case '{':
          return object(depth);
        case '[':
          return array(depth);
        case '"':
          return string();
        default:
          break;
      }
      if (s.startsWith("true", pos)) {
        pos += 4;
        return Boolean.TRUE;
      }
      if (s.startsWith("false", pos)) {
        pos += 5;
        return Boolean.FALSE;
      }
      if (s.startsWith("null", pos)) {
        pos += 4;
        return null;
      }
      if (c == '-' || (c >= '0' && c <= '9')) {
        int start = pos;
        while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
          pos++;
        }
        String num = s.substring(start, pos);
        try {
          return num.matches("-?\\d{1,18}")
              ? (Object) Long.parseLong(num)
              : Double.parseDouble(num);
        } catch (NumberFormatException e) {
          throw error("bad number");
        }
      }
      throw error("unexpected character");
    }

    private Map<String, Object> object(int depth) {
      expect('{');
      Map<String, Object> out = new LinkedHashMap<>();
      skipWhitespace();
      if (peek() == '}') {
        pos++;
        return out;
      }
      while (true) {
        skipWhitespace();
        String name = string();
        skipWhitespace();
        expect(':');
        skipWhitespace();
        if (out.containsKey(name)) {
          throw error("duplicate member");
        }
        out.put(name, value(depth + 1));
        skipWhitespace();
        char c = next();
        if (c == '}') {
          return out;
        }
        if (c != ',') {
          throw error("expected ',' or '}'");
        }
      }
    }

    private List<Object> array(int depth) {
      expect('[');
      List<Object> out = new ArrayList<>();
      skipWhitespace();
      if (peek() == ']') {
        pos++;
        return out;
      }
      while (true) {
        skipWhitespace();
        out.add(value(depth + 1));
        skipWhitespace();
        char c = next();
        if (c == ']') {
          return out;
        }
        if (c != ',') {
          throw error("expected ',' or ']'");
        }
      }
    }

    private String string() {
      expect('"');
      StringBuilder out = new StringBuilder();
      while (true) {
        char c = next();
        if (c == '"') {
          return out.toString();
        }
        if (c != '\\') {
          out.append(c);
          continue;
        }
        char e = next();
        switch (e) {
          case '"', '\\', '/' -> out.append(e);
          case 'b' -> out.append('\b');
          case 'f' -> out.append('\f');
          case 'n' -> out.append('\n');
          case 'r' -> out.append('\r');
          case 't' -> out.append('\t');
          case 'u' -> {
            if (pos + 4 > s.length()) {
              throw error("truncated \\u escape");
            }
            try {
              out.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            } catch (NumberFormatException ex) {
              throw error("bad \\u escape");
            }
            pos += 4;
          }
          default -> throw error("bad escape");
        }
      }
    }

    void skipWhitespace() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
    }

    private char peek() {
      if (pos >= s.length()) {
        throw error("unexpected end");
      }
      return s.charAt(pos);
    }

    private char next() {
      char c = peek();
      pos++;
      return c;
    }

    private void expect(char c) {
      if (next() != c) {
        pos--;
        throw error("expected '" + c + "'");
      }
    }

    IllegalArgumentException error(String what) {
      return new IllegalArgumentException("invalid JSON at offset " + pos + ": " + what);
    }
  }
}
