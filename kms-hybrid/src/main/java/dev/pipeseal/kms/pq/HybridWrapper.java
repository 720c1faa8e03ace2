package dev.pipeseal.kms.pq;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The cryptography of hybrid wrapped keys v1 (see {@link HybridFormat} for the bytes):
 *
 * <ul>
 *   <li>per recipient, a fresh X-Wing encapsulation gives {@code ss}; the key-wrapping key is
 *       {@code KWK = HKDF-SHA256(salt = none, IKM = ss, info = "pipeseal/hybrid/v1/kwk" ||
 *       SHA3-256(recipient public key) || X-Wing ciphertext, L = 32)}, so both public keys and both
 *       ciphertexts are bound explicitly on top of X-Wing's own binding;
 *   <li>{@code sealed DEK = AES-256-GCM(KWK, nonce = 0^96, DEK, AAD = "pipeseal/hybrid/v1/dek" ||
 *       labels || u8 len || recipient name || u32 version)}: a zero nonce is safe because every KWK
 *       encrypts exactly one message;
 *   <li>a header MAC {@code HMAC-SHA256(HKDF-SHA256(IKM = DEK, info = "pipeseal/hybrid/v1/mac" ||
 *       labels), every byte before it)} lets any one recipient detect a change anywhere, including
 *       in other recipients' stanzas (as age does).
 * </ul>
 *
 * {@code labels} are the provider id, master key name and master key version, each as u16 length
 * and UTF-8, so a wrapped key relabelled as another set or version fails.
 */
final class HybridWrapper {
  private static final byte[] KWK_INFO = ascii("pipeseal/hybrid/v1/kwk");
  private static final byte[] DEK_AAD = ascii("pipeseal/hybrid/v1/dek");
  private static final byte[] MAC_INFO = ascii("pipeseal/hybrid/v1/mac");
  private static final byte[] ZERO_NONCE = new byte[12];

  private HybridWrapper() {}

  /**
   * Wraps {@code dek} to every recipient, in order, drawing X-Wing randomness from {@code random}.
   */
  static byte[] wrap(
      byte[] dek, List<RecipientPublicKey> recipients, byte[] labels, SecureRandom random)
      throws GeneralSecurityException {
    List<HybridFormat.Stanza> stanzas = new ArrayList<>(recipients.size());
    byte[] eseed = new byte[XWing.ESEED_BYTES];
    try {
      for (RecipientPublicKey r : recipients) {
        random.nextBytes(eseed);
        byte[] pk = r.key();
        XWing.Encapsulation enc = XWing.encapsulate(pk, eseed);
        byte[] kwk = kwk(enc.sharedSecret(), pk, enc.ciphertext());
        try {
          byte[] sealed =
              gcm(Cipher.ENCRYPT_MODE, kwk, dek, stanzaAad(labels, r.name(), r.version()));
          stanzas.add(new HybridFormat.Stanza(r.name(), r.version(), enc.ciphertext(), sealed));
        } finally {
          Arrays.fill(kwk, (byte) 0);
          Arrays.fill(enc.sharedSecret(), (byte) 0);
        }
      }
    } finally {
      Arrays.fill(eseed, (byte) 0);
    }
    byte[] body = HybridFormat.encodeBody(stanzas);
    byte[] mac = mac(dek, labels, body);
    byte[] out = Arrays.copyOf(body, body.length + mac.length);
    System.arraycopy(mac, 0, out, body.length, mac.length);
    return out;
  }

  /**
   * Opens one stanza with the recipient's key pair and checks the header MAC; returns the DEK (the
   * caller zeroes it). Any failure is an {@link AEADBadTagException}.
   */
  static byte[] unwrap(
      HybridFormat.Parsed parsed,
      HybridFormat.Stanza stanza,
      XWing.PrivateKeyPair key,
      byte[] labels)
      throws GeneralSecurityException {
    byte[] ss;
    try {
      ss = XWing.decapsulate(key, stanza.ciphertext());
    } catch (GeneralSecurityException e) {
      // e.g. X25519 refused a small-order point: as good as a wrong tag.
      throw new AEADBadTagException("X-Wing decapsulation failed");
    }
    byte[] kwk = kwk(ss, key.publicKey(), stanza.ciphertext());
    Arrays.fill(ss, (byte) 0);
    byte[] dek;
    try {
      dek =
          gcm(
              Cipher.DECRYPT_MODE,
              kwk,
              stanza.sealedDek(),
              stanzaAad(labels, stanza.recipient(), stanza.version()));
    } finally {
      Arrays.fill(kwk, (byte) 0);
    }
    byte[] expected = mac(dek, labels, parsed.macInput());
    if (dek.length != 32 || !MessageDigest.isEqual(expected, parsed.mac())) {
      Arrays.fill(dek, (byte) 0);
      throw new AEADBadTagException("header MAC mismatch");
    }
    return dek;
  }

  /** Provider, master key name and version, each u16 length + UTF-8. */
  static byte[] labels(String provider, String masterKeyName, String masterKeyVersion) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    for (String s : new String[] {provider, masterKeyName, masterKeyVersion}) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      out.write(b.length >>> 8);
      out.write(b.length);
      out.writeBytes(b);
    }
    return out.toByteArray();
  }

  private static byte[] kwk(byte[] ss, byte[] publicKey, byte[] ciphertext)
      throws GeneralSecurityException {
    MessageDigest sha3 = MessageDigest.getInstance("SHA3-256");
    byte[] info = concat(KWK_INFO, sha3.digest(publicKey), ciphertext);
    return HybridKdf.hkdf(ss, info, 32);
  }

  private static byte[] mac(byte[] dek, byte[] labels, byte[] body)
      throws GeneralSecurityException {
    byte[] key = HybridKdf.hkdf(dek, concat(MAC_INFO, labels), 32);
    try {
      return HybridKdf.hmac(key, body);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  private static byte[] stanzaAad(byte[] labels, String recipient, int version) {
    byte[] name = recipient.getBytes(StandardCharsets.US_ASCII);
    ByteBuffer b = ByteBuffer.allocate(DEK_AAD.length + labels.length + 1 + name.length + 4);
    b.put(DEK_AAD).put(labels).put((byte) name.length).put(name).putInt(version);
    return b.array();
  }

  private static byte[] gcm(int mode, byte[] key, byte[] input, byte[] aad)
      throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, ZERO_NONCE));
    cipher.updateAAD(aad);
    return cipher.doFinal(input);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
