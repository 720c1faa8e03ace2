package dev.pipeseal.kms.rest;

import dev.pipeseal.kms.KmsConfigException;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads kebab-case provider settings into typed values, failing with a {@link KmsConfigException}
 * that names the provider and the setting. Each provider's config record parses through it, so the
 * records can move onto the shared settings toolkit without changing their names or rules.
 */
public final class SettingsReader {
  private final String provider;
  private final Map<String, String> settings;

  public SettingsReader(String provider, Map<String, String> settings) {
    this.provider = provider;
    this.settings = settings == null ? Map.of() : settings;
  }

  /** The trimmed value, absent when unset or blank. */
  public Optional<String> optional(String key) {
    String v = settings.get(key);
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
  }

  /**
   * The setting, else the environment variable the service's own SDKs read, so a deployment that
   * already configures the SDK needs no Pipeseal setting.
   */
  public Optional<String> optional(
      String key, Function<String, String> environment, String variable) {
    return optional(key).or(() -> environment(environment, variable));
  }

  /** The trimmed environment variable, absent when unset or blank. */
  public static Optional<String> environment(
      Function<String, String> environment, String variable) {
    String v = environment.apply(variable);
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
  }

  /** {@code path} without the trailing slashes users add to resource URIs. */
  public static String withoutTrailingSlashes(String path) {
    String p = path;
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }

  /** The value or {@code fallback}. */
  public String string(String key, String fallback) {
    return optional(key).orElse(fallback);
  }

  /** One of {@code allowed} (compared lower case). */
  public String choice(String key, String fallback, String... allowed) {
    String v = string(key, fallback).toLowerCase(Locale.ROOT);
    for (String a : allowed) {
      if (a.equals(v)) {
        return v;
      }
    }
    throw fail(key + " must be one of " + String.join(", ", allowed) + ", got '" + v + "'");
  }

  /**
   * A secret reference ({@code env:NAME} or {@code file:/path}); an inline value is refused and
   * never echoed.
   */
  public Optional<String> secretReference(String key) {
    Optional<String> v = optional(key);
    if (v.isPresent() && !v.get().startsWith("env:") && !v.get().startsWith("file:")) {
      throw fail(key + " must be a reference 'env:NAME' or 'file:/path', not an inline secret");
    }
    return v;
  }

  /** A duration such as {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h} or ISO-8601. */
  public Duration duration(String key, Duration fallback) {
    Optional<String> v = optional(key);
    if (v.isEmpty()) {
      return fallback;
    }
    String text = v.get().toLowerCase(Locale.ROOT);
    try {
      Duration d;
      if (text.startsWith("p")) {
        d = Duration.parse(text.toUpperCase(Locale.ROOT));
      } else if (text.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
      } else if (text.endsWith("s")) {
        d = Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)));
      } else if (text.endsWith("m")) {
        d = Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)));
      } else if (text.endsWith("h")) {
        d = Duration.ofHours(Long.parseLong(text.substring(0, text.length() - 1)));
      } else {
        d = Duration.ofSeconds(Long.parseLong(text));
      }
      if (!d.isNegative() && !d.isZero()) {
        return d;
      }
    } catch (RuntimeException e) {
      // Reported below.
    }
    throw fail(key + " must be a positive duration such as 10s or 500ms, got '" + v.get() + "'");
  }

  /** An absolute {@code http} or {@code https} URL without a trailing slash. */
  public Optional<URI> endpoint(String key) {
    Optional<String> v = optional(key);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    try {
      URI uri =
          new URI(v.get().endsWith("/") ? v.get().substring(0, v.get().length() - 1) : v.get());
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
        return Optional.of(uri);
      }
    } catch (java.net.URISyntaxException e) {
      // Reported below.
    }
    throw fail(key + " must be an http(s) URL, got '" + v.get() + "'");
  }

  /** A configuration error about the master key {@code keyName} a URI names. */
  public KmsConfigException failKey(String keyName, String message) {
    return new KmsConfigException(provider, keyName, message);
  }

  /** A configuration error of this provider. */
  public KmsConfigException fail(String message) {
    return new KmsConfigException(provider, null, message);
  }
}
