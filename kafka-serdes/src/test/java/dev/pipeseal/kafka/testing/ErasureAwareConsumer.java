package dev.pipeseal.kafka.testing;

import dev.pipeseal.kms.registry.SubjectErasedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.RecordDeserializationException;

/**
 * Reads a topic the way the docs tell consumers of per-subject records to: a record whose subject
 * was shredded fails {@code poll} with a {@link RecordDeserializationException} caused by a {@link
 * SubjectErasedException}; the consumer records it and seeks past it. Any other failure is thrown.
 */
public final class ErasureAwareConsumer {
  /**
   * @param values decrypted records by "topic:partition:offset"
   * @param erased the erasure errors, in the order met
   * @param failures the poll failures whose cause chain held them (for message checks)
   */
  public record Result(
      Map<String, ConsumerRecord<String, String>> values,
      List<SubjectErasedException> erased,
      List<RecordDeserializationException> failures) {
    public int total() {
      return values.size() + erased.size();
    }
  }

  private ErasureAwareConsumer() {}

  /** Polls until {@code expected} records were read or erased, or 300 empty polls passed. */
  public static Result readAll(KafkaConsumer<String, String> consumer, int expected) {
    Map<String, ConsumerRecord<String, String>> values = new LinkedHashMap<>();
    List<SubjectErasedException> erased = new ArrayList<>();
    List<RecordDeserializationException> failures = new ArrayList<>();
    int idle = 0;
    while (values.size() + erased.size() < expected && idle < 300) {
      try {
        var batch = consumer.poll(Duration.ofMillis(200));
        idle = batch.isEmpty() ? idle + 1 : 0;
        for (ConsumerRecord<String, String> r : batch) {
          values.put(r.topic() + ":" + r.partition() + ":" + r.offset(), r);
        }
      } catch (RecordDeserializationException e) {
        SubjectErasedException cause = erasedCause(e);
        if (cause == null) {
          throw e;
        }
        erased.add(cause);
        failures.add(e);
        consumer.seek(e.topicPartition(), e.offset() + 1);
        idle = 0;
      }
    }
    return new Result(values, erased, failures);
  }

  /** The {@link SubjectErasedException} in {@code t}'s cause chain, or null. */
  public static SubjectErasedException erasedCause(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SubjectErasedException s) {
        return s;
      }
    }
    return null;
  }
}
