package dev.pipeseal.kafka.subject;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Hands each record's key to the value serializer, for {@code pipeseal.value.subject=key}: Kafka's
 * {@code Serializer} never sees the record key, but interceptors run before serialization on the
 * same record. The key goes into the {@value #HEADER} header (a {@code byte[]} as is, a {@code
 * ByteBuffer}'s remaining bytes, anything else as the UTF-8 of its {@code toString()}), and the
 * {@link dev.pipeseal.kafka.serde.EncryptingSerializer} removes that header before the record is
 * sent. Set {@code interceptor.classes=dev.pipeseal.kafka.subject.SubjectKeyInterceptor}.
 *
 * <p>Kafka Streams serializes before its producer's interceptors run: there, name the subject with
 * a JSON pointer or a header instead.
 */
public final class SubjectKeyInterceptor implements ProducerInterceptor<Object, Object> {
  /** The hand-over header; never sent. */
  public static final String HEADER = "pipeseal.subject.key";

  @Override
  public ProducerRecord<Object, Object> onSend(ProducerRecord<Object, Object> record) {
    byte[] key = bytes(record.key());
    if (key != null && key.length > 0) {
      record.headers().remove(HEADER);
      record.headers().add(HEADER, key);
    }
    return record;
  }

  static byte[] bytes(Object key) {
    if (key == null) {
      return null;
    }
    if (key instanceof byte[] b) {
      return b;
    }
    if (key instanceof ByteBuffer bb) {
      byte[] out = new byte[bb.remaining()];
      bb.duplicate().get(out);
      return out;
    }
    return key.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void onAcknowledgement(RecordMetadata metadata, Exception exception) {}

  @Override
  public void close() {}

  @Override
  public void configure(Map<String, ?> configs) {}
}
