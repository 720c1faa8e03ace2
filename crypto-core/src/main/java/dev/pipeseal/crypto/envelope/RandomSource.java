package dev.pipeseal.crypto.envelope;

import java.security.SecureRandom;

/** Where nonce prefixes come from; a seam so golden-vector tests can pin them. */
interface RandomSource {
  void nextBytes(byte[] bytes, int off, int len);

  RandomSource SECURE =
      new RandomSource() {
        private final SecureRandom random = new SecureRandom();

        @Override
        public void nextBytes(byte[] bytes, int off, int len) {
          byte[] tmp = new byte[len];
          random.nextBytes(tmp);
          System.arraycopy(tmp, 0, bytes, off, len);
        }
      };
}
