package dev.pipeseal.kafka.keys;

import dev.pipeseal.crypto.PipesealCryptoException;
import dev.pipeseal.crypto.envelope.Envelope;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.crypto.envelope.EnvelopeDecryptor;
import dev.pipeseal.crypto.envelope.EnvelopeHeader;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.envelope.EnvelopeKeys;
import dev.pipeseal.envelope.UndecryptableValueException;
import dev.pipeseal.kafka.config.SerdeConfig;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.bridge.KmsBridge;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A deserializer's KMS connection and decryptors, one per DEK seen recently. Records of a partition
 * mostly share one DEK and so one envelope header (version, algorithm, key reference), so the
 * common case compares the record's header bytes in place with the last one parsed, once, and
 * decrypts straight from the fetch buffer under that header's key: no parsing, no map lookup, no
 * copy of the ciphertext.
 *
 * <p>Safe for use by several threads (decryptors are thread-safe; the cache is locked on a miss).
 */
public final class ReaderKeys implements AutoCloseable {
  private static final int MAX_KEYS = 64;

  private final KmsBridge kms;
  private final EnvelopeKeys keys;
  private final Map<KeyReference, Entry> open = new LinkedHashMap<>(16, 0.75f, true);
  private volatile Last last;

  private record Entry(EnvelopeDecryptor decryptor, String keyName) {}

  /** The last header parsed and the key it references. */
  private record Last(EnvelopeHeader header, Entry entry) {}

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
    Last l = last;
    if (l == null || !Envelope.startsWith(l.header(), in, off, len)) {
      l = lookup(in, off, len, context);
    }
    try {
      return l.entry().decryptor().decrypt(l.header(), in, off, len, context);
    } catch (PipesealCryptoException ex) {
      throw new UndecryptableValueException(context.description(), l.entry().keyName(), ex);
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

  private Last lookup(byte[] in, int off, int len, EnvelopeContext context) {
    synchronized (open) {
      EnvelopeHeader h;
      try {
        h = Envelope.parseHeader(in, off, len, context);
      } catch (PipesealCryptoException ex) {
        throw new UndecryptableValueException(context.description(), null, ex);
      }
      KeyReference ref = h.keyReference();
      Entry e = open.get(ref);
      if (e == null) {
        e = load(ref, context);
        open.put(ref, e);
        evictBeyondLimit();
      }
      Last l = new Last(h, e);
      last = l;
      return l;
    }
  }

  private Entry load(KeyReference ref, EnvelopeContext context) {
    String keyName = null;
    try {
      WrappedKey wrapped = keys.wrappedKey(ref);
      keyName = wrapped.masterKeyName();
      try (DataKey key = KmsCalls.await(kms.unwrap(wrapped))) {
        return new Entry(EnvelopeDecryptor.create(key), keyName);
      }
    } catch (KmsException | PipesealCryptoException ex) {
      throw new UndecryptableValueException(context.description(), keyName, ex);
    }
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
