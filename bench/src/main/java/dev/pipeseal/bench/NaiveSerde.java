package dev.pipeseal.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The baseline of the Kafka suite: the encrypting serde a user would write by hand. One fixed
 * AES-256 key from configuration ({@code naive.key}, base64), a cached {@code Cipher} per thread, a
 * 96-bit counter IV (4 random bytes per instance, then a counter), the topic as AAD, and {@code iv
 * || ciphertext || tag} as the value. No key management, no rotation, no marker header, no key
 * reference: everything Pipeseal adds is what the bench compares against this.
 *
 * <p>The deserializer overrides only {@code deserialize(topic, byte[])}, as hand-written ones do,
 * so Kafka's default {@code ByteBuffer} overload copies each value out of the fetch buffer first.
 */
final class NaiveSerde {
  static final String KEY = "naive.key";
  static final String INNER_SERIALIZER = "naive.serializer";
  // "true": the serializer also adds the marker header ours adds (pipeseal.enc=v1), to measure
  // what Kafka's handling of one record header costs apart from the encryption.
  static final String MARK = "naive.mark";
  // N > 0: the serializer writes N more bytes per record (a fixed prefix standing in for an inline
  // wrapped key), to measure what record size alone costs Kafka apart from the encryption.
  static final String PAD = "naive.pad";
  private static final org.apache.kafka.common.header.Header MARKER =
      new org.apache.kafka.common.header.internals.RecordHeader(
          dev.pipeseal.kafka.serde.EncryptionHeaders.VALUE,
          dev.pipeseal.kafka.serde.EncryptionHeaders.V1.getBytes(StandardCharsets.US_ASCII));
  private static final int IV = 12;
  private static final int TAG = 16;

  private NaiveSerde() {}

  private static SecretKeySpec key(Map<String, ?> configs) {
    Object k = configs.get(KEY);
    if (k == null) {
      throw new IllegalArgumentException("set " + KEY);
    }
    return new SecretKeySpec(Base64.getDecoder().decode(k.toString()), "AES");
  }

  private static Cipher newCipher() {
    try {
      return Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Hand-written encrypting serializer over an inner one (byte arrays by default). */
  public static final class NaiveSerializer<T> implements Serializer<T> {
    private final ThreadLocal<Cipher> ciphers = ThreadLocal.withInitial(NaiveSerde::newCipher);
    private final AtomicLong counter = new AtomicLong();
    private final int prefix = new java.security.SecureRandom().nextInt();
    private Serializer<T> inner;
    private SecretKeySpec key;
    private boolean mark;
    private int pad;

    public NaiveSerializer() {}

    NaiveSerializer(Serializer<T> inner) {
      this.inner = inner;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs, boolean isKey) {
      if (inner == null) {
        inner = (Serializer<T>) new ByteArraySerializer();
      }
      key = key(configs);
      mark = Boolean.parseBoolean(String.valueOf(configs.get(MARK)));
      Object p = configs.get(PAD);
      pad = p == null ? 0 : Integer.parseInt(p.toString());
    }

    @Override
    public byte[] serialize(String topic, T data) {
      return serialize(topic, null, data);
    }

    @Override
    public byte[] serialize(String topic, Headers headers, T data) {
      byte[] plain = inner.serialize(topic, headers, data);
      if (plain == null) {
        return null;
      }
      // With a pad, the pad's bytes (zeros) come first; they are not authenticated, only carried.
      byte[] out = new byte[pad + IV + plain.length + TAG];
      long n = counter.getAndIncrement();
      ByteBuffer.wrap(out, pad, IV).putInt(prefix).putLong(n);
      try {
        Cipher c = ciphers.get();
        c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, out, pad, IV));
        c.updateAAD(topic.getBytes(StandardCharsets.UTF_8));
        c.doFinal(plain, 0, plain.length, out, pad + IV);
      } catch (GeneralSecurityException e) {
        throw new SerializationException("encryption failed", e);
      }
      if (mark && headers != null) {
        headers.add(MARKER); // what ours adds to every record (EncryptionHeaders), nothing else
      }
      return out;
    }
  }

  /** Hand-written decrypting deserializer (byte arrays out). */
  public static final class NaiveDeserializer implements Deserializer<byte[]> {
    private final ThreadLocal<Cipher> ciphers = ThreadLocal.withInitial(NaiveSerde::newCipher);
    private final ByteArrayDeserializer inner = new ByteArrayDeserializer();
    private SecretKeySpec key;

    public NaiveDeserializer() {}

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
      key = key(configs);
    }

    @Override
    public byte[] deserialize(String topic, byte[] data) {
      if (data == null) {
        return null;
      }
      try {
        Cipher c = ciphers.get();
        c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, data, 0, IV));
        c.updateAAD(topic.getBytes(StandardCharsets.UTF_8));
        return inner.deserialize(topic, c.doFinal(data, IV, data.length - IV));
      } catch (GeneralSecurityException e) {
        throw new SerializationException("decryption failed", e);
      }
    }
  }
}
