package dev.pipeseal.kms;

import java.util.Optional;

/**
 * Administration of a public-key provider whose master keys are recipient key pairs (the hybrid
 * provider): {@link KmsAdmin#createKey} and {@link KmsAdmin#rotateKey} make a key pair or a new
 * version of it, and this interface exposes the public halves. Looked up through {@link
 * KmsAdmin#capability}. Only public keys ever leave it.
 */
public interface RecipientAdmin {
  /**
   * The current public key of {@code recipient} as one line of a recipients file, to give to a
   * write-only producer; empty when there is no such recipient.
   */
  Optional<String> exportPublic(String recipient);

  /** Fingerprint of the current public key of {@code recipient}, for listings; or empty. */
  Optional<String> fingerprint(String recipient);
}
