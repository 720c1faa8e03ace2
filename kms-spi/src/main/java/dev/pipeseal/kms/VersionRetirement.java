package dev.pipeseal.kms;

/**
 * Retiring an old master key version, as a {@link KmsAdmin#capability capability} of providers that
 * can make a version unusable: afterwards nothing wrapped under it unwraps any more. Providers that
 * cannot (AWS KMS keeps every backing key of a key for as long as the key exists; Hadoop KMS,
 * Vault, Google Cloud KMS and Azure Key Vault manage versions in their own consoles) do not offer
 * it, and admin tools refuse retirement there.
 *
 * <p>Callers check first that nothing still references the version (registry records, Parquet key
 * material, envelope cells): a retired version cannot be brought back.
 */
public interface VersionRetirement {
  /**
   * Makes {@code version} of {@code masterKeyName} unusable (deleted from the key store or token).
   *
   * @return the key as it is afterwards, without {@code version}
   * @throws UnknownKeyException if the key or the version does not exist
   * @throws KmsException if {@code version} is the current version (rotate first), or the provider
   *     failed
   */
  MasterKeyInfo retireVersion(String masterKeyName, String version);

  /** What retiring does on this provider, for the audit log and the CLI's output. */
  String retirementMeaning();
}
