package dev.pipeseal.kafka.classpath;

import dev.pipeseal.kafka.serde.DecryptingDeserializer;
import dev.pipeseal.kafka.serde.EncryptingSerializer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs in a child JVM on a Kafka client's classpath: encrypts and decrypts a record value through
 * the serdes on the local provider, then checks which classes it can load. Prints one line per
 * finding; exits 0 only when the round trip works and no banned class is loadable.
 */
public final class ProducerProbe {
  /** Classes that must not be reachable: one per banned module or library. */
  static final String[] BANNED = {
    "dev.pipeseal.registry.FileKeyRegistry",
    "dev.pipeseal.kms.pkcs11.Pkcs11Kms",
    "dev.pipeseal.kms.pq.HybridKms",
    "dev.pipeseal.kms.hadoop.HadoopKms",
    "org.apache.hadoop.conf.Configuration",
    "org.bouncycastle.jce.provider.BouncyCastleProvider",
    "org.apache.spark.SparkConf",
    "org.apache.parquet.crypto.keytools.KmsClient",
  };

  private ProducerProbe() {}

  /** Arguments: {@code name=value} client properties. */
  public static void main(String[] args) {
    Map<String, Object> props = new HashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      props.put(a.substring(0, eq), a.substring(eq + 1));
    }
    props.put("pipeseal.master-key", "pii");
    byte[] value = "a record value".getBytes(StandardCharsets.UTF_8);
    boolean ok;
    try (EncryptingSerializer<byte[]> ser = new EncryptingSerializer<>();
        DecryptingDeserializer<byte[]> de = new DecryptingDeserializer<>()) {
      ser.configure(props, false);
      de.configure(props, false);
      byte[] sealed = ser.serialize("orders", value);
      ok = !Arrays.equals(sealed, value) && Arrays.equals(de.deserialize("orders", sealed), value);
      System.out.println("roundtrip " + (ok ? "ok" : "FAILED"));
    }
    for (String name : BANNED) {
      try {
        Class.forName(name, false, ProducerProbe.class.getClassLoader());
        System.out.println("loadable " + name);
        ok = false;
      } catch (ClassNotFoundException expected) {
        // Not on the classpath: what a producer should see.
      }
    }
    System.exit(ok ? 0 : 1);
  }
}
