package dev.pipeseal.jobs.lake;

import java.io.Serializable;

/**
 * One Parquet key as its key material records it; never holds key bytes.
 *
 * @param reference {@code footer}, a column path, or the external key reference
 * @param masterKey the master key id Parquet recorded, or the key id of an explicit key
 * @param provider provider of the wrapped DEK record, or null if not a Pipeseal wrapped key
 * @param masterKeyVersion master key version of the record, or null if not a Pipeseal wrapped key
 * @param storage {@code internal} (in the file), {@code external} (key material file) or {@code
 *     explicit} (a plain key id, no key material)
 */
public record KeyUse(
    String reference, String masterKey, String provider, String masterKeyVersion, String storage)
    implements Serializable {

  /**
   * {@code name@version}, the form reports group by; {@code explicit:<key id>} for keys of files
   * written with explicit keys (no KMS, no version).
   */
  public String label() {
    if ("explicit".equals(storage)) {
      return "explicit:" + masterKey;
    }
    return masterKey + "@" + (masterKeyVersion == null ? "?" : masterKeyVersion);
  }
}
