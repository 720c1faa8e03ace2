package dev.pipeseal.kafka.subject;

import dev.pipeseal.kafka.config.SerdeConfig;
import dev.pipeseal.kafka.field.JsonPointerText;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Where a serializer finds the data subject of a record ({@code pipeseal.subject}): the record key
 * (through {@link SubjectKeyInterceptor}), a header, or a JSON pointer into the serialized JSON
 * value. Subject ids are UTF-8 bytes; they are hashed at once and never logged or put in messages.
 */
public abstract sealed class SubjectSource {
  private SubjectSource() {}

  /** Parses a {@code pipeseal.subject} value already checked by the settings toolkit. */
  public static SubjectSource parse(String setting) {
    if (setting.equals(SerdeConfig.SUBJECT_KEY)) {
      return new RecordKey();
    }
    if (setting.startsWith(SerdeConfig.SUBJECT_HEADER)) {
      return new Header(setting.substring(SerdeConfig.SUBJECT_HEADER.length()), false);
    }
    return new JsonPointer(setting);
  }

  /**
   * The subject id of one record as UTF-8 bytes, removing any hand-over header; null if the record
   * has none. Never returns an empty array.
   *
   * @throws IllegalArgumentException saying why the record's subject cannot be read (never the
   *     value)
   */
  public abstract byte[] extract(Headers headers, byte[] serializedValue);

  /** What to tell an operator whose record has no subject. */
  public abstract String missing();

  /** The record key, copied into a header by {@link SubjectKeyInterceptor}. */
  static final class RecordKey extends SubjectSource {
    private final Header header = new Header(SubjectKeyInterceptor.HEADER, true);

    @Override
    public byte[] extract(Headers headers, byte[] serializedValue) {
      return header.extract(headers, serializedValue);
    }

    @Override
    public String missing() {
      return "the record has no key, or the producer does not run "
          + SubjectKeyInterceptor.class.getName()
          + " (interceptor.classes), which hands the key to the value serializer";
    }
  }

  /** A header's value. */
  static final class Header extends SubjectSource {
    private final String name;
    private final boolean remove;

    Header(String name, boolean remove) {
      this.name = name;
      this.remove = remove;
    }

    @Override
    public byte[] extract(Headers headers, byte[] serializedValue) {
      if (headers == null) {
        return null;
      }
      org.apache.kafka.common.header.Header h = headers.lastHeader(name);
      if (remove && h != null) {
        headers.remove(name);
      }
      return h == null || h.value() == null || h.value().length == 0 ? null : h.value().clone();
    }

    @Override
    public String missing() {
      return "the record has no header '" + name + "' (or it is empty)";
    }
  }

  /** A string or integer at a JSON pointer of the JSON value; Jackson is loaded only here. */
  static final class JsonPointer extends SubjectSource {
    private final String text;
    private final JsonPointerText reader;

    JsonPointer(String text) {
      this.text = text;
      this.reader = new JsonPointerText(text);
    }

    @Override
    public byte[] extract(Headers headers, byte[] serializedValue) {
      return reader.read(serializedValue);
    }

    @Override
    public String missing() {
      return "the value has no string or integer at " + text;
    }
  }
}
