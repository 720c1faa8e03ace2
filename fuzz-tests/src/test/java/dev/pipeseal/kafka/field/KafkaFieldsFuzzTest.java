package dev.pipeseal.kafka.field;

import static dev.pipeseal.fuzz.Property.parsesOrThrows;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pipeseal.envelope.EnvelopeReader;
import dev.pipeseal.envelope.UndecryptableValueException;
import dev.pipeseal.fuzz.Property;
import dev.pipeseal.fuzz.Seeds;
import dev.pipeseal.kafka.config.PlaintextPolicy;
import dev.pipeseal.kafka.config.SerdeConfig;
import dev.pipeseal.kafka.keys.LeasedEnvelopeReader;
import dev.pipeseal.kms.bridge.KmsBridge;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Kafka field-level encryption on the consumer side: JSON values (the bytes of a record), the
 * sealed Avro writer schema (from the record or a schema registry, so outside input), and the
 * configured field paths (client properties).
 */
class KafkaFieldsFuzzTest {
  private static final Map<String, String> KMS = localKms();
  private static final EnvelopeReader READER =
      LeasedEnvelopeReader.open(SerdeConfig.fromProperties(KMS, false)).reader();
  private static final FieldCipher JSON =
      new JsonFields(
          List.of("/ssn", "/address/street", "/tags/0"), null, READER, PlaintextPolicy.ACCEPT);
  private static final FieldCipher AVRO =
      new AvroFields(List.of("/ssn"), null, READER, PlaintextPolicy.REJECT);

  private static Map<String, String> localKms() {
    try {
      Path dir = Files.createTempDirectory("pipeseal-fuzz-kafka");
      Path pass = dir.resolve("password");
      Files.writeString(pass, "changeit-fuzz\n");
      Map<String, String> p = new HashMap<>();
      p.put("pipeseal.kms.uri", "local://" + dir.resolve("keys.p12").toAbsolutePath());
      p.put("pipeseal.kms.provider.password", "file:" + pass.toAbsolutePath());
      p.put("pipeseal.kms.provider.create", "true");
      p.put("pipeseal.kms.audit.sink", "none");
      try (KmsBridge kms = KmsBridge.open(p)) {
        kms.admin().orElseThrow().createKey("pii");
      }
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FuzzTest(maxDuration = Property.FUZZ_DURATION)
  void jsonValue(byte[] data) {
    parsesOrThrows(
        () -> JSON.openBytes(data, "orders", false),
        FieldEncryptionException.class,
        UndecryptableValueException.class);
    parsesOrThrows(
        () -> JSON.openBytes(data, "orders", true),
        FieldEncryptionException.class,
        UndecryptableValueException.class);
  }

  /** The first line is the original field schema the sealed schema carries, the rest the value. */
  @FuzzTest(maxDuration = Property.FUZZ_DURATION)
  void avroSealedSchema(byte[] data) {
    String text = new String(data, StandardCharsets.UTF_8);
    int nl = text.indexOf('\n');
    String original = nl < 0 ? text : text.substring(0, nl);
    byte[] value = nl < 0 ? new byte[0] : text.substring(nl + 1).getBytes(StandardCharsets.UTF_8);
    Schema sealed =
        SchemaBuilder.record("Order")
            .fields()
            .name("ssn")
            .prop(AvroFields.ORIGINAL, original)
            .type()
            .bytesType()
            .noDefault()
            .requiredLong("id")
            .endRecord();
    GenericData.Record rec = new GenericData.Record(sealed);
    rec.put("ssn", ByteBuffer.wrap(value));
    rec.put("id", 7L);
    parsesOrThrows(
        () -> AVRO.openObject(rec, "orders", true),
        FieldEncryptionException.class,
        UndecryptableValueException.class);
  }

  /** Field paths as a user writes them in {@code pipeseal.fields}, for both field modes. */
  @FuzzTest(maxDuration = Property.FUZZ_DURATION)
  void fieldPaths(byte[] data) {
    String fields = new String(data, StandardCharsets.UTF_8);
    for (String mode : new String[] {"json-fields", "avro-fields"}) {
      Map<String, Object> props = new HashMap<>(KMS);
      props.put("pipeseal.mode", mode);
      props.put("pipeseal.fields", fields);
      parsesOrThrows(
          () -> {
            SerdeConfig c = SerdeConfig.fromProperties(props, false);
            FieldCipher.forMode(c.mode(), c.fields(), null, READER, c.plaintext());
          },
          ConfigException.class);
    }
  }

  @Test
  @EnabledIfSystemProperty(named = Seeds.PROPERTY, matches = ".+")
  void writeSeeds() {
    Seeds.of(KafkaFieldsFuzzTest.class, "jsonValue")
        .add(
            "plain", "{\"ssn\":\"123-45-6789\",\"address\":{\"street\":\"Main\"},\"tags\":[\"a\"]}")
        .add("base64-field", "{\"ssn\":\"AQEBAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}")
        .add("array-root", "[1,2,3]")
        .add("scalar-root", "42")
        .add("deep", Seeds.repeat("", "[", 5000))
        .add("invalid-utf8", new byte[] {'{', '"', 's', '"', ':', '"', (byte) 0xff, '"', '}'});
    Seeds.of(KafkaFieldsFuzzTest.class, "avroSealedSchema")
        .add("string", "\"string\"\nabc")
        .add("nullable", "[\"null\",\"string\"]\n")
        .add(
            "record",
            "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}\n")
        .add("not-json", "{{{\n")
        .add("unknown-type", "\"nosuchtype\"\n")
        .add("deep-union", Seeds.repeat("", "[", 3000) + "\n");
    Seeds.of(KafkaFieldsFuzzTest.class, "fieldPaths")
        .add("simple", "/ssn,/address/street")
        .add("escapes", "/a~0b,/c~1d")
        .add("bad-escape", "/a~2")
        .add("index", "/tags/0")
        .add("empty", ",,")
        .add("no-slash", "ssn");
  }
}
