package dev.pipeseal.kms;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a provider says about a master key: its name, current version and the versions it still
 * holds (oldest first; may be just the current one where the provider does not list them).
 *
 * @param created when each version was created, for the versions whose creation time the provider
 *     records (the local key store, AWS KMS, the first version of a Hadoop KMS key); versions
 *     missing here have an unknown age, which rotation policies report as such rather than guess
 */
public record MasterKeyInfo(
    String provider,
    String name,
    String currentVersion,
    List<String> versions,
    Map<String, Instant> created) {
  public MasterKeyInfo {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(currentVersion, "currentVersion");
    versions = List.copyOf(versions);
    created = java.util.Collections.unmodifiableMap(new TreeMap<>(created));
  }

  /** A key whose provider does not record when its versions were created. */
  public MasterKeyInfo(String provider, String name, String currentVersion, List<String> versions) {
    this(provider, name, currentVersion, versions, Map.of());
  }

  /** When {@code version} was created, if the provider records it. */
  public Optional<Instant> createdAt(String version) {
    return Optional.ofNullable(created.get(version));
  }
}
