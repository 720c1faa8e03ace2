package dev.pipeseal.kms;

import java.util.List;
import java.util.Objects;

/**
 * What a provider says about a master key: its name, current version and the versions it still
 * holds (oldest first; may be just the current one where the provider does not list them).
 */
public record MasterKeyInfo(
    String provider, String name, String currentVersion, List<String> versions) {
  public MasterKeyInfo {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(currentVersion, "currentVersion");
    versions = List.copyOf(versions);
  }
}
