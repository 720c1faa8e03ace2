package dev.pipeseal.kms.pq;

import java.security.SecureRandom;

/**
 * Where recipient private keys (32-byte X-Wing seeds) live: a password-protected PKCS#12 file
 * ({@link RecipientKeyStore}) or a file of seeds sealed by another KMS such as an HSM ({@link
 * SealedRecipientStore}).
 */
interface PrivateKeyStore extends AutoCloseable {
  /** The key pair of {@code name} version {@code version}, or null if this store lacks it. */
  XWing.PrivateKeyPair get(String name, int version);

  /** Makes and stores a new key pair version; returns its public key. */
  byte[] create(String name, int version, SecureRandom random);

  /** Where the keys are, for messages (never secret). */
  String location();

  @Override
  void close();
}
