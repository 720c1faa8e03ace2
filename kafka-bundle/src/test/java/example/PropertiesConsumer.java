package example;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/** {@code PropertiesConsumer CONFIG TOPIC N}: reads N values and prints how many were expected. */
public final class PropertiesConsumer {
  public static void main(String[] args) throws IOException {
    Properties props = new Properties();
    try (InputStream in = new FileInputStream(args[0])) {
      props.load(in);
    }
    int n = Integer.parseInt(args[2]);
    TreeSet<String> values = new TreeSet<>();
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    try (KafkaConsumer<Object, Object> consumer = new KafkaConsumer<>(props)) {
      consumer.subscribe(List.of(args[1]));
      while (values.size() < n && System.nanoTime() < deadline) {
        for (ConsumerRecord<Object, Object> r : consumer.poll(Duration.ofMillis(500))) {
          values.add(String.valueOf(r.value()));
        }
      }
    }
    int expected = 0;
    for (int i = 0; i < n; i++) {
      expected += values.contains("value-" + i) ? 1 : 0;
    }
    System.out.println("CONSUMED " + values.size() + " expected=" + expected);
  }
}
