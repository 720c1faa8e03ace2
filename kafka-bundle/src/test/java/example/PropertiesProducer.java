package example;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** {@code PropertiesProducer CONFIG TOPIC N}: sends values value-0 .. value-(N-1). */
public final class PropertiesProducer {
  public static void main(String[] args) throws IOException {
    Properties props = new Properties();
    try (InputStream in = new FileInputStream(args[0])) {
      props.load(in);
    }
    int n = Integer.parseInt(args[2]);
    try (KafkaProducer<Object, Object> producer = new KafkaProducer<>(props)) {
      for (int i = 0; i < n; i++) {
        producer.send(new ProducerRecord<>(args[1], "key-" + i, "value-" + i));
      }
      producer.flush();
    }
    System.out.println("PRODUCED " + n);
  }
}
