package dev.pipeseal.envelope;

import dev.pipeseal.crypto.PipesealCryptoException;
import dev.pipeseal.crypto.batch.BatchDecryptor;
import dev.pipeseal.crypto.envelope.Envelope;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.WrappedKey;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decrypts envelopes under whatever keys they reference, keeping a decryptor per recently seen key
 * so a column or partition written under a few DEKs costs a few unwraps, not one per value.
 *
 * <p>Not thread-safe: one per Spark task or Kafka consumer thread; cheap to create. Close it to
 * release the keys it holds.
 */
public final class EnvelopeReader implements AutoCloseable {
  /** Distinct keys kept open; a file or partition rarely spans more. */
  public static final int DEFAULT_MAX_KEYS = 64;

  private final EnvelopeKeys keys;
  private final int maxKeys;
  private final Map<KeyReference, Entry> open = new LinkedHashMap<>(16, 0.75f, true);

  private record Entry(BatchDecryptor decryptor, String keyName) {}

  public EnvelopeReader(EnvelopeKeys keys) {
    this(keys, DEFAULT_MAX_KEYS);
  }

  public EnvelopeReader(EnvelopeKeys keys, int maxKeys) {
    if (maxKeys < 1) {
      throw new IllegalArgumentException("maxKeys must be >= 1: " + maxKeys);
    }
    this.keys = keys;
    this.maxKeys = maxKeys;
  }

  /** Decrypts one envelope. */
  public byte[] decrypt(byte[] envelope, EnvelopeContext context) {
    Entry e = entryFor(envelope, 0, envelope.length, context);
    try {
      return e.decryptor().decrypt(new byte[][] {envelope}, context)[0];
    } catch (PipesealCryptoException ex) {
      throw new UndecryptableValueException(context.description(), e.keyName(), ex);
    }
  }

  /** Decrypts an envelope holding a float vector (written with {@code encryptFloats}). */
  public float[] decryptFloats(byte[] envelope, EnvelopeContext context) {
    Entry e = entryFor(envelope, 0, envelope.length, context);
    try {
      return e.decryptor().decryptFloats(envelope, context);
    } catch (PipesealCryptoException ex) {
      throw new UndecryptableValueException(context.description(), e.keyName(), ex);
    }
  }

  /** Decrypts an envelope holding a double vector (written with {@code encryptDoubles}). */
  public double[] decryptDoubles(byte[] envelope, EnvelopeContext context) {
    Entry e = entryFor(envelope, 0, envelope.length, context);
    try {
      return e.decryptor().decryptDoubles(envelope, context);
    } catch (PipesealCryptoException ex) {
      throw new UndecryptableValueException(context.description(), e.keyName(), ex);
    }
  }

  /**
   * The decryptor for the key that {@code envelope[off, off+len)} references, for callers that
   * decrypt into their own buffers. Valid until this reader is closed or evicts it; do not close
   * it.
   */
  public BatchDecryptor decryptorFor(byte[] envelope, int off, int len, EnvelopeContext context) {
    return entryFor(envelope, off, len, context).decryptor();
  }

  /** The master key name an envelope's reference resolves to (for error messages). */
  public String keyNameFor(byte[] envelope, int off, int len, EnvelopeContext context) {
    return entryFor(envelope, off, len, context).keyName();
  }

  private Entry entryFor(byte[] envelope, int off, int len, EnvelopeContext context) {
    KeyReference ref;
    try {
      ref = Envelope.parseHeader(envelope, off, len, context).keyReference();
    } catch (PipesealCryptoException ex) {
      throw new UndecryptableValueException(context.description(), null, ex);
    }
    Entry e = open.get(ref);
    if (e != null) {
      return e;
    }
    String keyName = null;
    try {
      WrappedKey wrapped = keys.wrappedKey(ref);
      keyName = wrapped.masterKeyName();
      try (DataKey key = KmsCalls.await(keys.kms().unwrap(wrapped))) {
        e = new Entry(BatchDecryptor.create(key), keyName);
      }
    } catch (KmsException | PipesealCryptoException ex) {
      throw new UndecryptableValueException(context.description(), keyName, ex);
    }
    open.put(ref, e);
    evictBeyondLimit();
    return e;
  }

  private void evictBeyondLimit() {
    Iterator<Entry> it = open.values().iterator();
    while (open.size() > maxKeys && it.hasNext()) {
      Entry eldest = it.next();
      it.remove();
      eldest.decryptor().close();
    }
  }

  /** Keys currently held; for tests and diagnostics. */
  public int openKeys() {
    return open.size();
  }

  @Override
  public void close() {
    for (Entry e : open.values()) {
      e.decryptor().close();
    }
    open.clear();
  }
}
