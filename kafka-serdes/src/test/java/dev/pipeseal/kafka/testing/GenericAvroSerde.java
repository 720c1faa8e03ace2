package dev.pipeseal.kafka.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Self-describing Avro for tests (stands in for a schema-registry serializer): u32 schema length,
 * schema JSON, then the binary record.
 */
public final class GenericAvroSerde {
  private GenericAvroSerde() {}

  public static final class Ser implements Serializer<GenericRecord> {
    @Override
    public byte[] serialize(String topic, GenericRecord data) {
      if (data == null) {
        return null;
      }
      try {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] schema = data.getSchema().toString().getBytes(StandardCharsets.UTF_8);
        out.write(ByteBuffer.allocate(4).putInt(schema.length).array());
        out.write(schema);
        BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(data.getSchema()).write(data, enc);
        enc.flush();
        return out.toByteArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  public static final class De implements Deserializer<GenericRecord> {
    @Override
    public GenericRecord deserialize(String topic, byte[] data) {
      if (data == null) {
        return null;
      }
      ByteBuffer b = ByteBuffer.wrap(data);
      int n = b.getInt();
      Schema schema = new Schema.Parser().parse(new String(data, 4, n, StandardCharsets.UTF_8));
      try {
        return new GenericDatumReader<GenericRecord>(schema)
            .read(null, DecoderFactory.get().binaryDecoder(data, 4 + n, data.length - 4 - n, null));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
