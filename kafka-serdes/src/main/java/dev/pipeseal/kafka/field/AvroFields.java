package dev.pipeseal.kafka.field;

import dev.pipeseal.envelope.EnvelopeReader;
import dev.pipeseal.envelope.EnvelopeWriter;
import dev.pipeseal.kafka.config.PlaintextPolicy;
import dev.pipeseal.kms.metrics.DecryptFailureKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

/**
 * Avro {@code GenericRecord} values: each configured top-level field becomes type {@code bytes}
 * holding an envelope whose plaintext is the field's Avro binary encoding under its original schema
 * (nulls of a nullable field are encrypted too, so nullness does not leak). The sealed schema keeps
 * the record's name; each encrypted field carries the property {@value #ORIGINAL} with its original
 * schema, so a reader restores the original record without any other information.
 */
final class AvroFields implements FieldCipher {
  /** Field property holding the original field schema (JSON) of an encrypted field. */
  static final String ORIGINAL = "pipeseal.encrypted";

  private static final Schema BYTES = Schema.create(Schema.Type.BYTES);

  private final List<String> names;
  private final FieldContexts contexts;
  private final EnvelopeWriter writer;
  private final EnvelopeReader reader;
  private final PlaintextPolicy plaintext;
  private final Map<Schema, Schema> sealed = new ConcurrentHashMap<>();
  private final Map<Schema, Schema> opened = new ConcurrentHashMap<>();

  AvroFields(
      List<String> fields,
      EnvelopeWriter writer,
      EnvelopeReader reader,
      PlaintextPolicy plaintext) {
    List<String> n = new ArrayList<>();
    for (String f : fields) {
      n.add(f.substring(1));
    }
    this.names = List.copyOf(n);
    this.contexts = new FieldContexts(fields);
    this.writer = writer;
    this.reader = reader;
    this.plaintext = plaintext;
  }

  @Override
  public Object sealObject(Object value, String base) {
    if (!(value instanceof GenericRecord in)) {
      throw new FieldEncryptionException(
          "avro-fields: a value in " + base + " is not an Avro GenericRecord");
    }
    Schema schema = in.getSchema();
    Schema out = sealed.computeIfAbsent(schema, this::sealSchema);
    GenericData.Record rec = new GenericData.Record(out);
    for (Schema.Field f : schema.getFields()) {
      Object v = in.get(f.pos());
      int i = names.indexOf(f.name());
      if (i >= 0) {
        byte[] plain = encode(v, f.schema(), base, f.name());
        v = ByteBuffer.wrap(writer.encrypt(plain, contexts.get(base, i)));
        Arrays.fill(plain, (byte) 0);
      }
      rec.put(f.pos(), v);
    }
    return rec;
  }

  @Override
  public Object openObject(Object value, String base, boolean marked) {
    if (!(value instanceof GenericRecord in)) {
      throw new FieldEncryptionException(
          "avro-fields: a value in " + base + " is not an Avro GenericRecord");
    }
    Schema schema = in.getSchema();
    boolean isSealed = false;
    for (Schema.Field f : schema.getFields()) {
      if (f.getProp(ORIGINAL) != null) {
        isSealed = true;
        break;
      }
    }
    if (!isSealed) {
      if (marked || plaintext == PlaintextPolicy.REJECT) {
        reader.failures().record(DecryptFailureKind.PLAINTEXT_REFUSED, base);
        throw new FieldEncryptionException(
            "avro-fields: a record in "
                + base
                + " has no encrypted fields"
                + (marked ? " although it is marked encrypted" : "")
                + "; plaintext is refused"
                + (marked ? "" : " (pipeseal.plaintext=accept allows it during migration)"));
      }
      return value;
    }
    Schema out;
    try {
      out = opened.computeIfAbsent(schema, AvroFields::openSchema);
    } catch (RuntimeException e) {
      // The sealed schema comes with the record (or a schema registry): outside input.
      throw new FieldEncryptionException(
          "avro-fields: a record in " + base + " carries an invalid original field schema");
    }
    GenericData.Record rec = new GenericData.Record(out);
    for (Schema.Field f : schema.getFields()) {
      Object v = in.get(f.pos());
      String original = f.getProp(ORIGINAL);
      if (original != null) {
        int i = names.indexOf(f.name());
        if (i < 0) {
          throw new FieldEncryptionException(
              "avro-fields: field /"
                  + f.name()
                  + " in "
                  + base
                  + " is encrypted but not configured");
        }
        if (!(v instanceof ByteBuffer buf)) {
          throw new FieldEncryptionException(
              "avro-fields: encrypted field /" + f.name() + " in " + base + " holds no bytes");
        }
        byte[] env = new byte[buf.remaining()];
        buf.duplicate().get(env);
        byte[] plain = reader.decrypt(env, 0, env.length, contexts.get(base, i));
        v = decode(plain, out.getField(f.name()).schema(), base, f.name());
        Arrays.fill(plain, (byte) 0);
      }
      rec.put(f.pos(), v);
    }
    return rec;
  }

  private Schema sealSchema(Schema schema) {
    if (schema.getType() != Schema.Type.RECORD) {
      throw new FieldEncryptionException(
          "avro-fields: values must be records: " + schema.getName());
    }
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field f : schema.getFields()) {
      if (names.contains(f.name())) {
        Schema.Field sf = new Schema.Field(f.name(), BYTES, f.doc());
        f.getObjectProps().forEach(sf::addProp);
        sf.addProp(ORIGINAL, f.schema().toString());
        fields.add(sf);
      } else {
        fields.add(new Schema.Field(f, f.schema()));
      }
    }
    return copyRecord(schema, fields);
  }

  private static Schema openSchema(Schema schema) {
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field f : schema.getFields()) {
      String original = f.getProp(ORIGINAL);
      if (original != null) {
        Schema.Field of = new Schema.Field(f.name(), new Schema.Parser().parse(original), f.doc());
        f.getObjectProps()
            .forEach(
                (k, v) -> {
                  if (!k.equals(ORIGINAL)) {
                    of.addProp(k, v);
                  }
                });
        fields.add(of);
      } else {
        fields.add(new Schema.Field(f, f.schema()));
      }
    }
    return copyRecord(schema, fields);
  }

  private static Schema copyRecord(Schema schema, List<Schema.Field> fields) {
    Schema out =
        Schema.createRecord(
            schema.getName(), schema.getDoc(), schema.getNamespace(), schema.isError(), fields);
    schema.getObjectProps().forEach(out::addProp);
    return out;
  }

  private static byte[] encode(Object v, Schema schema, String base, String field) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
      BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(bytes, null);
      new GenericDatumWriter<Object>(schema).write(v, enc);
      enc.flush();
      return bytes.toByteArray();
    } catch (IOException | RuntimeException e) {
      throw new FieldEncryptionException(
          "avro-fields: field /" + field + " in " + base + " does not match its schema");
    }
  }

  private static Object decode(byte[] plain, Schema schema, String base, String field) {
    try {
      return new GenericDatumReader<Object>(schema)
          .read(null, DecoderFactory.get().binaryDecoder(plain, null));
    } catch (IOException | RuntimeException e) {
      throw new FieldEncryptionException(
          "avro-fields: field /" + field + " in " + base + " decrypted to invalid Avro data");
    }
  }
}
