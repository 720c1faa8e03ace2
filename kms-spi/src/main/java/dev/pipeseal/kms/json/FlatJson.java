package dev.pipeseal.kms.json;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A flat JSON object: one level of string, integral number, boolean or null members. Enough for our
 * records; anything nested is rejected rather than guessed at.
 */
public final class FlatJson {
  private FlatJson() {}

  /** Serializes members in insertion order; values must be String, Number, Boolean or null. */
  public static String write(Map<String, ?> members) {
    StringBuilder out = new StringBuilder(64 + members.size() * 24);
    out.append('{');
    boolean first = true;
    for (Map.Entry<String, ?> e : members.entrySet()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      quote(out, e.getKey());
      out.append(':');
      Object v = e.getValue();
      if (v == null) {
        out.append("null");
      } else if (v instanceof Number || v instanceof Boolean) {
        out.append(v);
      } else if (v instanceof CharSequence s) {
        quote(out, s.toString());
      } else {
        throw new IllegalArgumentException(
            "unsupported JSON value type for '" + e.getKey() + "': " + v.getClass().getName());
      }
    }
    return out.append('}').toString();
  }

  /**
   * Parses one flat object. Strings come back as String, numbers as Long (integral) or Double,
   * booleans as Boolean, null as null.
   *
   * @throws IllegalArgumentException with the offset of the first problem
   */
  public static Map<String, Object> parse(String json) {
    Parser p = new Parser(json);
    Map<String, Object> out = p.object();
    p.skipWhitespace();
    if (p.pos != json.length()) {
      throw p.error("trailing characters");
    }
    return out;
  }

  private static void quote(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static final class Parser {
    private final String s;
    private int pos;

    Parser(String s) {
      this.s = s;
    }

    Map<String, Object> object() {
      skipWhitespace();
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
        if (out.put(name, value()) != null) {
          throw error("duplicate member '" + name + "'");
        }
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

    private Object value() {
      char c = peek();
      if (c == '"') {
        return string();
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
          return num.matches("-?\\d+") ? (Object) Long.parseLong(num) : Double.parseDouble(num);
        } catch (NumberFormatException e) {
          throw error("bad number");
        }
      }
      throw error("expected a string, number, boolean or null (nested values are not supported)");
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
