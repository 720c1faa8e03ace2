package dev.pipeseal.kafka.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.kafka.connect.testing.Customers;
import dev.pipeseal.kafka.testing.LocalKeys;
import dev.pipeseal.kms.metrics.DecryptFailureKind;
import dev.pipeseal.kms.metrics.DecryptFailures;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transformations without a worker: schemaless values, AAD binding, refusals. */
class FieldTransformTest {
  @TempDir Path dir;
  private EncryptField.Value<SourceRecord> seal;
  private DecryptField.Value<SourceRecord> open;
  private Map<String, Object> base;
  private LocalKeys keys;

  @BeforeEach
  void setUp() {
    keys = LocalKeys.create(dir, "pii");
    base = new HashMap<>(keys.properties());
    seal = new EncryptField.Value<>();
    Map<String, Object> s = new HashMap<>(base);
    s.put("pipeseal.fields", "/ssn,/card/number,/score");
    s.put("pipeseal.master-key", "pii");
    seal.configure(s);
    open = new DecryptField.Value<>();
    Map<String, Object> o = new HashMap<>(base);
    o.put("pipeseal.fields", "/ssn,/card/number,/score");
    open.configure(o);
  }

  @AfterEach
  void tearDown() {
    seal.close();
    open.close();
  }

  private static SourceRecord record(String topic, Schema schema, Object value) {
    return new SourceRecord(Map.of(), Map.of(), topic, 0, null, null, schema, value);
  }

  @Test
  void schemalessMapsRoundTripWithTheirJavaTypes() {
    Map<String, Object> card = new LinkedHashMap<>(Map.of("number", 4111111111111111L, "cvc", 1));
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("ssn", "SSN-1");
    v.put("card", card);
    v.put("score", 0.5d);
    v.put("name", "Ann");
    SourceRecord sealed = seal.apply(record("orders", null, v));
    @SuppressWarnings("unchecked")
    Map<String, Object> sv = (Map<String, Object>) sealed.value();
    assertThat(sv.get("ssn")).isInstanceOf(byte[].class);
    assertThat(sv.get("score")).isInstanceOf(byte[].class);
    assertThat(sv.get("name")).isEqualTo("Ann");
    assertThat(v.get("ssn")).isEqualTo("SSN-1"); // the input record is not modified
    assertThat(open.apply(sealed).value()).isEqualTo(v);
  }

  @Test
  void aFieldMovedToAnotherFieldOrTopicDoesNotDecrypt() {
    Struct value = Customers.value(1);
    EncryptField.Value<SourceRecord> s = new EncryptField.Value<>();
    Map<String, Object> cfg = new HashMap<>(base);
    cfg.put("pipeseal.fields", "/ssn,/note");
    cfg.put("pipeseal.master-key", "pii");
    s.configure(cfg);
    SourceRecord sealed = s.apply(record("orders", Customers.SCHEMA, value));
    Struct sv = (Struct) sealed.value();
    Struct swapped = new Struct(sv.schema());
    sv.schema().fields().forEach(f -> swapped.put(f, sv.get(f)));
    swapped.put("note", sv.get("ssn"));
    DecryptField.Value<SourceRecord> o = new DecryptField.Value<>();
    Map<String, Object> ocfg = new HashMap<>(base);
    ocfg.put("pipeseal.fields", "/ssn,/note");
    o.configure(ocfg);
    long tamperedBefore = DecryptFailures.jvm().count(DecryptFailureKind.AUTHENTICATION_FAILED);
    assertThatThrownBy(() -> o.apply(record("orders", sv.schema(), swapped)))
        .isInstanceOf(EncryptedFieldException.class)
        .hasMessageContaining("field '/note'")
        .hasMessageContaining("topic 'orders'")
        .hasMessageContaining("master key 'pii'")
        .hasMessageNotContaining("SSN-");
    assertThatThrownBy(() -> o.apply(record("payments", sv.schema(), sv)))
        .isInstanceOf(EncryptedFieldException.class)
        .hasMessageContaining("topic 'payments'");
    assertThat(o.apply(record("orders", sv.schema(), sv)).value()).isEqualTo(value);
    // Both moved fields count as authentication failures, the successful read does not.
    assertThat(
            DecryptFailures.jvm().count(DecryptFailureKind.AUTHENTICATION_FAILED) - tamperedBefore)
        .isEqualTo(2);
    s.close();
    o.close();
  }

  @Test
  void plaintextIsRefusedUnlessAccepted() {
    Map<String, Object> v = new LinkedHashMap<>(Map.of("ssn", "SSN-2"));
    long refusedBefore = DecryptFailures.jvm().count(DecryptFailureKind.PLAINTEXT_REFUSED);
    assertThatThrownBy(() -> open.apply(record("orders", null, v)))
        .isInstanceOf(EncryptedFieldException.class)
        .hasMessageContaining("field '/ssn'")
        .hasMessageContaining("not encrypted")
        .hasMessageNotContaining("SSN-2");
    assertThat(DecryptFailures.jvm().count(DecryptFailureKind.PLAINTEXT_REFUSED) - refusedBefore)
        .isEqualTo(1);
    DecryptField.Value<SourceRecord> lenient = new DecryptField.Value<>();
    Map<String, Object> cfg = new HashMap<>(base);
    cfg.put("pipeseal.fields", "/ssn");
    cfg.put("pipeseal.plaintext", "accept");
    lenient.configure(cfg);
    assertThat(lenient.apply(record("orders", null, v)).value()).isEqualTo(v);
    lenient.close();
  }

  @Test
  void structFieldsAndBadSettingsAreRefusedWithClearMessages() {
    EncryptField.Value<SourceRecord> s = new EncryptField.Value<>();
    Map<String, Object> cfg = new HashMap<>(base);
    cfg.put("pipeseal.fields", "/address");
    cfg.put("pipeseal.master-key", "pii");
    s.configure(cfg);
    assertThatThrownBy(() -> s.apply(record("orders", Customers.SCHEMA, Customers.value(1))))
        .isInstanceOf(EncryptedFieldException.class)
        .hasMessageContaining("field '/address'")
        .hasMessageContaining("leaf fields");
    s.close();

    Map<String, Object> bad = new HashMap<>(base);
    bad.put("pipeseal.fields", "ssn");
    bad.put("pipeseal.master-key", "pii");
    assertThatThrownBy(() -> new EncryptField.Value<SourceRecord>().configure(bad))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("pipeseal.fields");
    Map<String, Object> mode = new HashMap<>(base);
    mode.put("pipeseal.mode", "avro-fields");
    assertThatThrownBy(() -> new EncryptField.Value<SourceRecord>().configure(mode))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("pipeseal.mode");
    // Per-subject keys are the serializer's: a copied setting must not look applied.
    Map<String, Object> subject = new HashMap<>(base);
    subject.put("pipeseal.master-key", "pii");
    subject.put("pipeseal.value.subject", "/user/id");
    assertThatThrownBy(() -> new EncryptField.Value<SourceRecord>().configure(subject))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("pipeseal.value.subject");
    Map<String, Object> noKey = new HashMap<>(base);
    assertThatThrownBy(() -> new EncryptField.Value<SourceRecord>().configure(noKey))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("master-key");
  }

  @Test
  void wholeKeysAndValuesRoundTripAndAKeyIsNotAValue() {
    Map<String, Object> kcfg = new HashMap<>(base);
    kcfg.put("pipeseal.deterministic.dek", keys.newDeterministicDek("pii"));
    EncryptField.Key<SourceRecord> sealKey = new EncryptField.Key<>();
    sealKey.configure(kcfg);
    EncryptField.Value<SourceRecord> sealValue = new EncryptField.Value<>();
    Map<String, Object> vcfg = new HashMap<>(base);
    vcfg.put("pipeseal.master-key", "pii");
    sealValue.configure(vcfg);
    SourceRecord in =
        new SourceRecord(
            Map.of(), Map.of(), "orders", 0, Schema.STRING_SCHEMA, "k-1", Schema.INT32_SCHEMA, 42);
    SourceRecord sealed = sealValue.apply(sealKey.apply(in));
    SourceRecord sealedAgain = sealValue.apply(sealKey.apply(in));
    assertThat((byte[]) sealed.key()).isEqualTo((byte[]) sealedAgain.key()); // deterministic
    assertThat((byte[]) sealed.value()).isNotEqualTo((byte[]) sealedAgain.value()); // randomized
    assertThat(sealed.valueSchema().type()).isEqualTo(Schema.Type.BYTES);
    assertThat(sealed.valueSchema().parameters()).containsEntry(SealedSchemas.TYPE, "int32");

    DecryptField.Key<SourceRecord> openKey = new DecryptField.Key<>();
    openKey.configure(new HashMap<>(base));
    DecryptField.Value<SourceRecord> openValue = new DecryptField.Value<>();
    openValue.configure(new HashMap<>(base));
    SourceRecord back = openValue.apply(openKey.apply(sealed));
    assertThat(back.key()).isEqualTo("k-1");
    assertThat(back.keySchema()).isEqualTo(Schema.STRING_SCHEMA);
    assertThat(back.value()).isEqualTo(42);
    assertThat(back.valueSchema()).isEqualTo(Schema.INT32_SCHEMA);

    // The key's envelope is bound to orders#key: put where the value goes, it does not decrypt.
    SourceRecord keyAsValue =
        new SourceRecord(
            Map.of(), Map.of(), "orders", 0, null, null, sealed.keySchema(), sealed.key());
    assertThatThrownBy(() -> openValue.apply(keyAsValue))
        .isInstanceOf(EncryptedFieldException.class)
        .hasMessageContaining("the value of a record of topic 'orders'");
    sealKey.close();
    sealValue.close();
    openKey.close();
    openValue.close();
  }

  @Test
  void sideSpecificFieldSettingsWork() {
    EncryptField.Value<SourceRecord> s = new EncryptField.Value<>();
    Map<String, Object> cfg = new HashMap<>(base);
    cfg.put("pipeseal.value.fields", "/ssn");
    cfg.put("pipeseal.master-key", "pii");
    s.configure(cfg);
    Map<String, Object> v = new LinkedHashMap<>(Map.of("ssn", "SSN-3", "name", "Bo"));
    @SuppressWarnings("unchecked")
    Map<String, Object> out = (Map<String, Object>) s.apply(record("orders", null, v)).value();
    assertThat(out.get("ssn")).isInstanceOf(byte[].class);
    assertThat(out.get("name")).isEqualTo("Bo");
    s.close();
  }
}
