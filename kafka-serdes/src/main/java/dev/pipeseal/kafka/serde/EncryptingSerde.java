package dev.pipeseal.kafka.serde;

import dev.pipeseal.kafka.config.SerdeConfig;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde for Kafka Streams: {@link EncryptingSerializer} plus {@link DecryptingDeserializer} over an
 * inner serde named by {@code pipeseal.serde} (or inner classes named by {@code
 * pipeseal.serializer} and {@code pipeseal.deserializer}), e.g. {@code
 * default.value.serde=dev.pipeseal.kafka.serde.EncryptingSerde}. A serde built with {@link
 * #EncryptingSerde(Serde)} and passed to {@code Consumed.with}/{@code Produced.with} is not
 * configured by Streams: call {@link #configure} with the application's properties.
 */
public class EncryptingSerde<T> implements Serde<T> {
  private Serde<T> innerSerde;
  private EncryptingSerializer<T> serializer;
  private DecryptingDeserializer<T> deserializer;

  /** For configuration by class name. */
  public EncryptingSerde() {}

  /** Wraps {@code inner}. */
  public EncryptingSerde(Serde<T> inner) {
    this.innerSerde = inner;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void configure(Map<String, ?> configs, boolean isKey) {
    if (innerSerde == null) {
      SerdeConfig c = SerdeConfig.fromProperties(configs, isKey);
      if (c.innerSerde() != null) {
        innerSerde =
            InnerSerdeLoader.instantiate(c.name(SerdeConfig.SERDE), c.innerSerde(), Serde.class);
      }
    }
    if (innerSerde != null) {
      innerSerde.configure(configs, isKey);
      serializer = new EncryptingSerializer<>(innerSerde.serializer());
      deserializer = new DecryptingDeserializer<>(innerSerde.deserializer());
    } else {
      serializer = new EncryptingSerializer<>();
      deserializer = new DecryptingDeserializer<>();
    }
    serializer.configure(configs, isKey);
    try {
      deserializer.configure(configs, isKey);
    } catch (RuntimeException e) {
      serializer.close();
      throw e;
    }
  }

  @Override
  public Serializer<T> serializer() {
    return requireConfigured(serializer);
  }

  @Override
  public Deserializer<T> deserializer() {
    return requireConfigured(deserializer);
  }

  private static <X> X requireConfigured(X x) {
    if (x == null) {
      throw new IllegalStateException("EncryptingSerde must be configured before use");
    }
    return x;
  }

  @Override
  public void close() {
    try {
      if (serializer != null) {
        serializer.close();
      }
    } finally {
      if (deserializer != null) {
        deserializer.close();
      }
    }
  }
}
