package dev.pipeseal.parquet.kms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.aead.CallerNonceGcm;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.wrapping.WrappedKeyCodec;
import java.io.ByteArrayOutputStream;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Wrapped-key string v1: golden vector, round trip and fail-closed parsing. */
class WrappedKeyStringTest {
  /** Fixed inputs of the golden vector (see docs/parquet.md). */
  static final byte[] DEK = range(0x00, 32);

  static final byte[] PARQUET_KEY = range(0xa0, 16);
  static final byte[] NONCE = range(0x01, 12);
  static final WrappedKey RECORD =
      new WrappedKey("local", "pii", "3", "AES256-GCM", range(0x40, 8));

  /** base64 of 0x01 || u16 n || record || nonce || GCM(DEK, PARQUET_KEY, AAD) || tag. */
  static final String GOLDEN =
      "AQAkAQVsb2NhbAADcGlpAAEzCkFFUzI1Ni1HQ00ACEBBQkNERUZHAQIDBAUGBwgJCgsMpUv4dkgxViHkC8nsvL5EhzCrWHuXnp4mwVAgFouPKr8=";

  static byte[] range(int start, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (start + i);
    }
    return b;
  }

  static String goldenFromParts() {
    byte[] record = WrappedKeyCodec.toBinary(RECORD);
    byte[] sealed =
        CallerNonceGcm.create(DEK).seal(NONCE, PARQUET_KEY, WrappedKeyString.associatedData("pii"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(1);
    out.write(record.length >>> 8);
    out.write(record.length);
    out.writeBytes(record);
    out.writeBytes(NONCE);
    out.writeBytes(sealed);
    return Base64.getEncoder().encodeToString(out.toByteArray());
  }

  @Test
  void goldenVectorDecodesAndOpens() {
    assertThat(goldenFromParts()).isEqualTo(GOLDEN);
    WrappedKeyString w = WrappedKeyString.decode(GOLDEN, "pii");
    assertThat(w.wrapped()).isEqualTo(RECORD);
    try (DataKey dek = DataKey.copyOf(DEK)) {
      assertThat(w.open(dek, "pii")).isEqualTo(PARQUET_KEY);
      assertThat(w.encode()).isEqualTo(GOLDEN);
    }
  }

  @Test
  void roundTripAndRewrapKeepsCiphertext() {
    try (DataKey dek = DataKey.copyOf(DEK)) {
      WrappedKeyString w = WrappedKeyString.seal(RECORD, dek, range(0x10, 32), "pii");
      WrappedKeyString back = WrappedKeyString.decode(w.encode(), "pii");
      assertThat(back).isEqualTo(w);
      assertThat(back.open(dek, "pii")).isEqualTo(range(0x10, 32));
      WrappedKey v4 = new WrappedKey("local", "pii", "4", "AES256-GCM", range(0x50, 8));
      assertThat(back.withWrapped(v4).open(dek, "pii")).isEqualTo(range(0x10, 32));
      assertThat(back.toString()).doesNotContain("16").contains("pii@3");
    }
  }

  @Test
  void anotherMasterKeyOrTamperingFails() {
    WrappedKeyString w = WrappedKeyString.decode(GOLDEN, "pii");
    try (DataKey dek = DataKey.copyOf(DEK)) {
      assertThatThrownBy(() -> w.open(dek, "other"))
          .isInstanceOf(ParquetKeyException.class)
          .hasMessageContaining("'other'");
      byte[] bytes = Base64.getDecoder().decode(GOLDEN);
      bytes[bytes.length - 20] ^= 1;
      WrappedKeyString tampered =
          WrappedKeyString.decode(Base64.getEncoder().encodeToString(bytes), "pii");
      assertThatThrownBy(() -> tampered.open(dek, "pii"))
          .isInstanceOf(ParquetKeyException.class)
          .hasMessageContaining("fails authentication");
    }
  }

  @Test
  void malformedStringsAreRejected() {
    byte[] bytes = Base64.getDecoder().decode(GOLDEN);
    bytes[0] = 2;
    String v2 = Base64.getEncoder().encodeToString(bytes);
    assertThatThrownBy(() -> WrappedKeyString.decode(v2, "pii"))
        .isInstanceOf(ParquetKeyException.class)
        .hasMessageContaining("version 2");
    assertThatThrownBy(() -> WrappedKeyString.decode("not base64!", "pii"))
        .isInstanceOf(ParquetKeyException.class);
    String cut = GOLDEN.substring(0, 40);
    assertThatThrownBy(() -> WrappedKeyString.decode(cut, "pii"))
        .isInstanceOf(ParquetKeyException.class);
  }
}
