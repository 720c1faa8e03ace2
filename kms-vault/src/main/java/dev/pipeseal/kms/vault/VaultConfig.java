package dev.pipeseal.kms.vault;

import dev.pipeseal.kms.MasterKeyNames;
import dev.pipeseal.kms.rest.RestSettings;
import dev.pipeseal.kms.rest.SettingsReader;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Typed, validated settings of the Vault provider (kebab-case names; {@code docs/vault.md} has the
 * table).
 *
 * @param address {@code https://host:port} (or {@code http://} for a dev server)
 * @param mount Transit mount path, e.g. {@code transit} or {@code team-a/transit}
 * @param pinnedKey the Transit key the URI names, or empty if the URI names only the mount
 * @param namespace Vault Enterprise / OpenBao namespace, or empty
 * @param auth how to get a token
 * @param rest timeout and TLS trust
 */
record VaultConfig(
    URI address,
    String mount,
    Optional<String> pinnedKey,
    Optional<String> namespace,
    Auth auth,
    RestSettings rest) {
  static final String MOUNT = "mount";
  static final String NAMESPACE = "namespace";
  static final String AUTH = "auth";
  static final String TOKEN = "token";
  static final String APPROLE_ROLE_ID = "approle.role-id";
  static final String APPROLE_SECRET_ID = "approle.secret-id";
  static final String APPROLE_MOUNT = "approle.mount";
  static final String KUBERNETES_ROLE = "kubernetes.role";
  static final String KUBERNETES_JWT_FILE = "kubernetes.jwt-file";
  static final String KUBERNETES_MOUNT = "kubernetes.mount";
  static final String DEFAULT_JWT_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/token";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Pattern MOUNT_PATH = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");

  /** How the provider authenticates. */
  sealed interface Auth permits TokenAuth, AppRoleAuth, KubernetesAuth {}

  /** A token given by reference; re-read when Vault refuses it (a sidecar may have replaced it). */
  record TokenAuth(String tokenReference) implements Auth {}

  /** AppRole login; the token it returns is renewed, then replaced by a new login. */
  record AppRoleAuth(String roleId, String secretIdReference, String mount) implements Auth {}

  /** Kubernetes login with the pod's service-account token. */
  record KubernetesAuth(String role, Path jwtFile, String mount) implements Auth {}

  static VaultConfig parse(URI uri, Map<String, String> settings) {
    SettingsReader s = new SettingsReader(VaultKmsService.PROVIDER_ID, settings);
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("vault+https") && !scheme.equals("vault+http")) {
      throw s.fail("not a Vault URI (vault+https://host:8200/transit/keys/NAME): " + uri);
    }
    if (uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw s.fail("Vault URI needs a host and no query or fragment: " + uri);
    }
    int port = uri.getPort() > 0 ? uri.getPort() : 8200;
    URI address =
        URI.create(scheme.substring("vault+".length()) + "://" + uri.getHost() + ":" + port);
    String path = uri.getPath() == null ? "" : stripSlashes(uri.getPath());
    String mount;
    Optional<String> key = Optional.empty();
    int keys = path.lastIndexOf("/keys/");
    if (path.isEmpty()) {
      mount = s.string(MOUNT, "transit");
    } else if (keys >= 0) {
      mount = path.substring(0, keys);
      key = Optional.of(path.substring(keys + "/keys/".length()));
    } else if (path.startsWith("keys/")) {
      throw s.fail("Vault URI names a key but no mount (/MOUNT/keys/NAME): " + uri);
    } else {
      mount = path;
    }
    if (s.optional(MOUNT).isPresent() && !s.optional(MOUNT).get().equals(mount)) {
      throw s.fail("'" + MOUNT + "' contradicts the mount in the URI '" + mount + "'");
    }
    if (!MOUNT_PATH.matcher(mount).matches()) {
      throw s.fail("invalid Transit mount path '" + mount + "'");
    }
    if (key.isPresent() && !NAME.matcher(key.get()).matches()) {
      throw s.failKey(key.get(), "invalid Transit key name in URI " + uri);
    }
    String authKind = s.choice(AUTH, "token", "token", "approle", "kubernetes");
    Auth auth =
        switch (authKind) {
          case "approle" ->
              new AppRoleAuth(
                  s.optional(APPROLE_ROLE_ID)
                      .orElseThrow(
                          () -> s.fail(APPROLE_ROLE_ID + " is required with auth=approle")),
                  s.secretReference(APPROLE_SECRET_ID)
                      .orElseThrow(
                          () ->
                              s.fail(
                                  APPROLE_SECRET_ID
                                      + " is required with auth=approle (env:NAME or file:/path)")),
                  mountName(s, APPROLE_MOUNT, "approle"));
          case "kubernetes" ->
              new KubernetesAuth(
                  s.optional(KUBERNETES_ROLE)
                      .orElseThrow(
                          () -> s.fail(KUBERNETES_ROLE + " is required with auth=kubernetes")),
                  Path.of(s.string(KUBERNETES_JWT_FILE, DEFAULT_JWT_FILE)),
                  mountName(s, KUBERNETES_MOUNT, "kubernetes"));
          default ->
              new TokenAuth(
                  s.secretReference(TOKEN)
                      .orElseThrow(
                          () ->
                              s.fail(
                                  TOKEN
                                      + " is required with auth=token, as a reference (e.g."
                                      + " env:VAULT_TOKEN)")));
        };
    return new VaultConfig(address, mount, key, s.optional(NAMESPACE), auth, RestSettings.parse(s));
  }

  /** The common rule ({@link MasterKeyNames}), narrowed to what this service accepts. */
  static boolean validKeyName(String name) {
    return MasterKeyNames.isValid(name) && NAME.matcher(name).matches();
  }

  private static String mountName(SettingsReader s, String key, String fallback) {
    String m = stripSlashes(s.string(key, fallback));
    if (!MOUNT_PATH.matcher(m).matches()) {
      throw s.fail("invalid auth mount path in " + key + ": '" + m + "'");
    }
    return m;
  }

  private static String stripSlashes(String p) {
    int b = 0;
    int e = p.length();
    while (b < e && p.charAt(b) == '/') {
      b++;
    }
    while (e > b && p.charAt(e - 1) == '/') {
      e--;
    }
    return p.substring(b, e);
  }
}
