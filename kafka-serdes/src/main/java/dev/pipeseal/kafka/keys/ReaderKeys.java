package dev.pipeseal.kafka.keys;

import dev.pipeseal.crypto.PipesealCryptoException;
import dev.pipeseal.crypto.envelope.Envelope;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.crypto.envelope.EnvelopeDecryptor;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kafka.config.SerdeConfig;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.envelope.EnvelopeKeys;
import dev.pipeseal.kms.envelope.UndecryptableValueException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A deserializer's KMS connection and decryptors, one per DEK seen recently. Records of a partition
 * mostly share one DEK, so the common case compares the envelope's key reference bytes in place
 * with the last one used and decrypts straight from the fetch buffer: no header object, no map
 * lookup, no copy of the ciphertext.
 *
 * <p>Safe for use by several threads (decryptors are thread-safe; the cache is locked on a miss).
 */
public final class ReaderKeys implements AutoCloseable {
  private static final int MAX_KEYS = 64;

  private final KmsBridge kms;
  private final EnvelopeKeys keys;
  private final Map<KeyReference, Entry> open = new LinkedHashMap<>(16, 0.75f, true);
  private volatile Entry last;

  private record Entry(int kind, byte[] ref, EnvelopeDecryptor decryptor, String keyName) {}

  private ReaderKeys(KmsBridge kms) {
    this.kms = kms;
    this.keys = EnvelopeKeys.inline(kms);
  }

  public static ReaderKeys open(SerdeConfig config) {
    config.requireKms();
    return new ReaderKeys(KmsBridge.open(config.kmsProperties()));
  }

  /**
   * Decrypts the envelope in {@code in[off, off+len)} into a new array.
   *
   * @throws UndecryptableValueException naming {@code context}'s description and the master key
   */
  public byte[] decrypt(byte[] in, int off, int len, EnvelopeContext context) {
    Entry e = entryFor(in, off, len, context);
    try {
      EnvelopeDecryptor d = e.decryptor();
      byte[] out = new byte[d.plaintextLength(in, off, len, context)];
      d.decrypt(in, off, len, context, out, 0);
      return out;
    } catch (PipesealCryptoException ex) {
      throw new UndecryptableValueException(context.description(), e.keyName(), ex);
    }
  }

  /**
   * Whether {@code in[off, off+len)} is an envelope v1 whose key reference is a readable wrapped
   * key: used only for records without the marker header (legacy plaintext vs header-less paths).
   */
  public boolean looksLikeEnvelope(byte[] in, int off, int len) {
    if (len < 4 || in[off] != Envelope.VERSION_1) {
      return false;
    }
    try {
      KeyReference ref = Envelope.parseHeader(in, off, len).keyReference();
      keys.wrappedKey(ref);
      return true;
    } catch (PipesealCryptoException | KmsException e) {
      return false;
    }
  }

  private Entry entryFor(byte[] in, int off, int len, EnvelopeContext context) {
    Entry e = last;
    if (e != null && sameReference(e, in, off, len)) {
      return e;
    }
    synchronized (open) {
      KeyReference ref;
      try {
        ref = Envelope.parseHeader(in, off, len, context).keyReference();
      } catch (PipesealCryptoException ex) {
        throw new UndecryptableValueException(context.description(), null, ex);
      }
      e = open.get(ref);
      if (e == null) {
        e = load(ref, context);
        open.put(ref, e);
        evictBeyondLimit();
      }
      last = e;
      return e;
    }
  }

  private Entry load(KeyReference ref, EnvelopeContext context) {
    String keyName = null;
    try {
      WrappedKey wrapped = keys.wrappedKey(ref);
      keyName = wrapped.masterKeyName();
      try (DataKey key = EnvelopeKeys.await(kms.unwrap(wrapped))) {
        return new Entry(ref.kind().id(), ref.bytes(), EnvelopeDecryptor.create(key), keyName);
      }
    } catch (KmsException | PipesealCryptoException ex) {
      throw new UndecryptableValueException(context.description(), keyName, ex);
    }
  }

  /** Compares the key reference of the envelope in place (kind byte, varint length, bytes). */
  private static boolean sameReference(Entry e, byte[] in, int off, int len) {
    byte[] ref = e.ref();
    int n = ref.length;
    int v = n < 128 ? 1 : n < 16384 ? 2 : 3;
    int start = off + 3 + v;
    if (len < 3 + v + n || in[off] != Envelope.VERSION_1 || in[off + 2] != (byte) e.kind()) {
      return false;
    }
    // Canonical varint of n, as writers produce and readers require.
    int x = n;
    for (int i = 0; i < v; i++) {
      int b = x & 0x7f;
      x >>>= 7;
      if (x != 0) {
        b |= 0x80;
      }
      if (in[off + 3 + i] != (byte) b) {
        return false;
      }
    }
    return Arrays.equals(in, start, start + n, ref, 0, n);
  }

  private void evictBeyondLimit() {
    Iterator<Entry> it = open.values().iterator();
    while (open.size() > MAX_KEYS && it.hasNext()) {
      Entry eldest = it.next();
      it.remove();
      eldest.decryptor().close();
    }
  }

  @Override
  public void close() {
    synchronized (open) {
      for (Entry e : open.values()) {
        e.decryptor().close();
      }
      open.clear();
      last = null;
      kms.close();
    }
  }
}
