package dev.pipeseal.registry;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How to open a registry; parsed only by {@link #parse}.
 *
 * @param location a directory URI ({@code file:}, {@code hdfs:}, {@code s3a:} ...)
 * @param store which store implementation serves it
 * @param cacheSize records kept in the in-memory read cache (0 disables it)
 */
public record RegistryConfig(URI location, Store store, int cacheSize) {
  /** Config key: {@code auto} (default), {@code local} or {@code hadoop}. */
  public static final String STORE = "registry.store";

  /** Config key: read cache size, default {@value #DEFAULT_CACHE_SIZE}. */
  public static final String CACHE_SIZE = "registry.cacheSize";

  public static final int DEFAULT_CACHE_SIZE = 10_000;

  /** Store implementations. */
  public enum Store {
    /**
     * {@code file:} locations (and plain paths) use {@link #LOCAL}, anything else {@link #HADOOP}.
     */
    AUTO,
    /** {@code java.nio} on a local directory; needs no Hadoop. */
    LOCAL,
    /** A Hadoop {@code FileSystem}; needs the Hadoop client on the classpath. */
    HADOOP
  }

  public RegistryConfig {
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(store, "store");
    if (cacheSize < 0) {
      throw new IllegalArgumentException("registry cache size must be >= 0: " + cacheSize);
    }
    if (store == Store.AUTO) {
      store = "file".equals(location.getScheme()) ? Store.LOCAL : Store.HADOOP;
    }
    if (store == Store.LOCAL && !"file".equals(location.getScheme())) {
      throw new IllegalArgumentException(
          "the local registry store needs a file: location, got " + location);
    }
  }

  /**
   * Parses a location (a plain path or a URI with a scheme) and options; unknown option keys are
   * ignored.
   *
   * @throws IllegalArgumentException on an invalid value
   */
  public static RegistryConfig parse(String location, Map<String, String> options) {
    Objects.requireNonNull(location, "location");
    if (location.isBlank()) {
      throw new IllegalArgumentException("registry location is empty");
    }
    Store store;
    try {
      store = Store.valueOf(options.getOrDefault(STORE, "auto").trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          STORE + " must be auto, local or hadoop: '" + options.get(STORE) + "'");
    }
    int cacheSize;
    try {
      cacheSize =
          Integer.parseInt(
              options.getOrDefault(CACHE_SIZE, String.valueOf(DEFAULT_CACHE_SIZE)).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          CACHE_SIZE + " must be an integer: '" + options.get(CACHE_SIZE) + "'");
    }
    return new RegistryConfig(toUri(location), store, cacheSize);
  }

  private static URI toUri(String location) {
    // A scheme of two or more letters; "C:\..." stays a path.
    if (location.matches("^[A-Za-z][A-Za-z0-9+.-]+:.*")) {
      URI uri = URI.create(location);
      return "file".equals(uri.getScheme()) ? Path.of(uri).toUri() : uri;
    }
    return Path.of(location).toAbsolutePath().normalize().toUri();
  }
}
