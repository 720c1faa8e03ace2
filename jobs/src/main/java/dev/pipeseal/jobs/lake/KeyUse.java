package dev.pipeseal.jobs.lake;

import java.io.Serializable;

/**
 * One Parquet key as its key material records it; never holds key bytes.
 *
 * @param reference {@code footer}, a column path, or the external key reference
 * @param masterKey the master key id Parquet recorded
 * @param provider provider of the wrapped DEK record, or null if not a Pipeseal wrapped key
 * @param masterKeyVersion master key version of the record, or null if not a Pipeseal wrapped key
 * @param storage {@code internal} (in the file) or {@code external} (key material file)
 */
public record KeyUse(
    String reference, String masterKey, String provider, String masterKeyVersion, String storage)
    implements Serializable {

  /** {@code name@version}, the form reports group by. */
  public String label() {
    return masterKey + "@" + (masterKeyVersion == null ? "?" : masterKeyVersion);
  }
}
