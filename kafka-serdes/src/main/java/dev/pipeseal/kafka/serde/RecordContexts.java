package dev.pipeseal.kafka.serde;

import dev.pipeseal.crypto.envelope.EnvelopeContext;

/**
 * The AAD context of Kafka envelopes (UTF-8 bytes; the Spark connector reproduces them to decrypt
 * values that land in a lake):
 *
 * <ul>
 *   <li>whole value: the topic name, e.g. {@code orders};
 *   <li>whole key: topic name + {@code #key}, e.g. {@code orders#key};
 *   <li>field: the value's (or key's) name + the field's JSON pointer, e.g. {@code orders/ssn},
 *       {@code orders/address/street}, {@code orders#key/id}.
 * </ul>
 *
 * <p>{@code pipeseal.context} replaces the topic name (e.g. for mirrored or renamed topics). Topic
 * names cannot contain {@code #} or {@code /}, so the forms never collide.
 */
public final class RecordContexts {
  private RecordContexts() {}

  /** The name bound for a whole key or value (also the base of field contexts). */
  public static String name(String topicOrContext, boolean isKey) {
    return isKey ? topicOrContext + "#key" : topicOrContext;
  }

  /** Context of one field. */
  public static EnvelopeContext field(String topicOrContext, boolean isKey, String pointer) {
    return EnvelopeContext.of(name(topicOrContext, isKey) + pointer);
  }

  /** Remembers the context of the last topic (a client mostly writes one topic at a time). */
  static final class Cache {
    private final String override;
    private final boolean isKey;
    private volatile Entry last;

    private record Entry(String topic, String name, EnvelopeContext context) {}

    Cache(String override, boolean isKey) {
      this.override = override;
      this.isKey = isKey;
    }

    private Entry entry(String topic) {
      Entry e = last;
      if (e == null || !e.topic().equals(topic)) {
        String n = RecordContexts.name(override != null ? override : topic, isKey);
        e = new Entry(topic, n, EnvelopeContext.of(n));
        last = e;
      }
      return e;
    }

    /** The whole-value context for records of {@code topic}. */
    EnvelopeContext context(String topic) {
      return entry(topic).context();
    }

    /** The base name of field contexts for records of {@code topic}. */
    String name(String topic) {
      return entry(topic).name();
    }
  }
}
