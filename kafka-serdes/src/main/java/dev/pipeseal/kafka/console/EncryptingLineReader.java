package dev.pipeseal.kafka.console;

import dev.pipeseal.kafka.config.SerdeConfig;
import dev.pipeseal.kafka.serde.EncryptingSerializer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.tools.api.RecordReader;

/**
 * Line reader for {@code kafka-console-producer.sh --line-reader}: each line of standard input
 * becomes a record whose value (and, with {@code parse.key=true} and a deterministic DEK
 * configured, key) is encrypted exactly as {@link EncryptingSerializer} does, marker header
 * included when enabled. Configured by the tool's {@code --property} settings: the {@code
 * pipeseal.*} settings of {@code docs/kafka.md}, plus {@code parse.key} (default false), {@code
 * key.separator} (default tab) and {@code null.marker} (a value equal to it is sent as a
 * tombstone).
 */
public final class EncryptingLineReader implements RecordReader {
  private String topic;
  private boolean parseKey;
  private String keySeparator = "\t";
  private String nullMarker;
  private EncryptingSerializer<byte[]> values;
  private EncryptingSerializer<byte[]> keys;

  @Override
  public void configure(Map<String, ?> configs) {
    Map<String, Object> props = new HashMap<>(configs);
    topic = String.valueOf(props.remove("topic"));
    parseKey = Boolean.parseBoolean(String.valueOf(props.remove("parse.key")));
    Object sep = props.remove("key.separator");
    if (sep != null) {
      keySeparator = String.valueOf(sep);
    }
    Object marker = props.remove("null.marker");
    nullMarker = marker == null ? null : String.valueOf(marker);
    values = new EncryptingSerializer<>();
    values.configure(props, false);
    // Keys are encrypted when a deterministic DEK is configured for them (equal keys must stay
    // equal bytes); otherwise they are sent as typed.
    if (parseKey && SerdeConfig.fromProperties(props, true).deterministicDek() != null) {
      keys = new EncryptingSerializer<>();
      keys.configure(props, true);
    }
  }

  @Override
  public Iterator<ProducerRecord<byte[], byte[]>> readRecords(InputStream input) {
    BufferedReader lines = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8));
    return new Iterator<>() {
      private ProducerRecord<byte[], byte[]> next;

      @Override
      public boolean hasNext() {
        if (next == null) {
          next = read(lines);
        }
        return next != null;
      }

      @Override
      public ProducerRecord<byte[], byte[]> next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        ProducerRecord<byte[], byte[]> r = next;
        next = null;
        return r;
      }
    };
  }

  private ProducerRecord<byte[], byte[]> read(BufferedReader lines) {
    String line;
    try {
      line = lines.readLine();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (line == null) {
      return null;
    }
    String key = null;
    String value = line;
    if (parseKey) {
      int i = line.indexOf(keySeparator);
      if (i < 0) {
        throw new IllegalArgumentException(
            "no key separator in an input line (parse.key=true); the line is not sent");
      }
      key = line.substring(0, i);
      value = line.substring(i + keySeparator.length());
    }
    RecordHeaders headers = new RecordHeaders();
    byte[] keyBytes = null;
    if (key != null && !key.equals(nullMarker)) {
      byte[] k = key.getBytes(StandardCharsets.UTF_8);
      keyBytes = keys == null ? k : keys.serialize(topic, headers, k);
    }
    byte[] valueBytes = null;
    if (!value.equals(nullMarker)) {
      valueBytes = values.serialize(topic, headers, value.getBytes(StandardCharsets.UTF_8));
    }
    return new ProducerRecord<>(topic, null, keyBytes, valueBytes, headers);
  }

  @Override
  public void close() {
    try {
      if (values != null) {
        values.close();
      }
    } finally {
      if (keys != null) {
        keys.close();
      }
    }
  }
}
