package dev.pipeseal.kms.pkcs11;

import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.secret.SecretSource;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of a PKCS#11 provider, parsed only by {@link #parse}. Exactly one of {@code slot},
 * {@code slotListIndex} and {@code tokenLabel} selects the token.
 *
 * @param library path of the PKCS#11 module (.so)
 * @param slot slot id, or null
 * @param slotListIndex index in the module's slot list, or null
 * @param tokenLabel token label, or null
 * @param pin reference to the user PIN: {@code env:VAR} or {@code file:/path}; never the PIN
 * @param threads worker threads (and so concurrent HSM operations), default 4
 * @param refresh how long a cached list of key versions is trusted before it is reread
 */
public record Pkcs11Config(
    Path library,
    Long slot,
    Integer slotListIndex,
    String tokenLabel,
    String pin,
    int threads,
    Duration refresh) {
  /** Provider id recorded in wrapped keys. */
  public static final String PROVIDER = "pkcs11";

  public static final String LIBRARY = "library";
  public static final String SLOT = "slot";
  public static final String SLOT_LIST_INDEX = "slotListIndex";
  public static final String TOKEN = "token";
  public static final String PIN = "pin";
  public static final String THREADS = "threads";
  public static final String REFRESH_SECONDS = "refreshSeconds";

  /** Where distributions install SoftHSM2; the first that exists is the default library. */
  static final List<String> SOFTHSM_LIBRARIES =
      List.of(
          "/usr/lib/softhsm/libsofthsm2.so",
          "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
          "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
          "/usr/lib64/pkcs11/libsofthsm2.so",
          "/usr/lib/pkcs11/libsofthsm2.so",
          "/usr/local/lib/softhsm/libsofthsm2.so",
          "/opt/homebrew/lib/softhsm/libsofthsm2.so");

  public Pkcs11Config {
    Objects.requireNonNull(library, "library");
    Objects.requireNonNull(pin, "pin");
    Objects.requireNonNull(refresh, "refresh");
    int selectors =
        (slot != null ? 1 : 0) + (slotListIndex != null ? 1 : 0) + (tokenLabel != null ? 1 : 0);
    if (selectors != 1) {
      throw config("set exactly one of 'token' (label), 'slot' (id) and 'slotListIndex'");
    }
    if (!pin.startsWith("env:") && !pin.startsWith("file:")) {
      throw config("'pin' must be a reference, env:VARIABLE or file:/path (not the PIN itself)");
    }
    if (threads < 1 || threads > 256) {
      throw config("'threads' must be 1..256, got " + threads);
    }
    if (refresh.isNegative()) {
      throw config("'refreshSeconds' must be >= 0");
    }
  }

  /** The SoftHSM2 module if installed in a usual place, else null. */
  public static Path defaultLibrary() {
    for (String candidate : SOFTHSM_LIBRARIES) {
      if (Files.isRegularFile(Path.of(candidate))) {
        return Path.of(candidate);
      }
    }
    return null;
  }

  /**
   * Parses a {@code pkcs11:} URI (RFC 7512 attributes {@code token}, {@code slot-id}, and query
   * attributes {@code module-path}, {@code pin-source}) and a config map; config keys win.
   */
  public static Pkcs11Config parse(URI uri, Map<String, String> config) {
    if (!"pkcs11".equalsIgnoreCase(uri.getScheme())) {
      throw config("not a pkcs11: URI: " + uri.getScheme());
    }
    Map<String, String> attrs = uriAttributes(uri);
    String library = first(config.get(LIBRARY), attrs.get("module-path"));
    Path libraryPath = library != null ? Path.of(library) : defaultLibrary();
    if (libraryPath == null) {
      throw config(
          "no PKCS#11 module: set '" + LIBRARY + "' (SoftHSM2 is not installed where expected)");
    }
    String slot = first(config.get(SLOT), attrs.get("slot-id"));
    String index = config.get(SLOT_LIST_INDEX);
    String token = first(config.get(TOKEN), attrs.get("token"));
    if (slot != null || index != null) {
      token = config.get(TOKEN); // a URI label does not conflict with a configured slot
    }
    String pin = first(config.get(PIN), attrs.get("pin-source"));
    if (pin == null) {
      throw config("'" + PIN + "' is required (env:VARIABLE or file:/path)");
    }
    return new Pkcs11Config(
        libraryPath,
        slot == null ? null : parseLong(SLOT, slot),
        index == null ? null : (int) parseLong(SLOT_LIST_INDEX, index),
        token,
        pin,
        (int) parseLong(THREADS, config.getOrDefault(THREADS, "4")),
        Duration.ofSeconds(parseLong(REFRESH_SECONDS, config.getOrDefault(REFRESH_SECONDS, "60"))));
  }

  /**
   * Reads the PIN the reference points at. The caller zeroes the array.
   *
   * @throws KmsConfigException naming the reference (never the PIN) if it cannot be read
   */
  char[] readPin() {
    return SecretSource.system().resolve(pin, PROVIDER, "pin");
  }

  /** Human-readable token selector for messages. */
  String tokenDescription() {
    if (tokenLabel != null) {
      return "token '" + tokenLabel + "'";
    }
    return slot != null ? "slot " + slot : "slot list index " + slotListIndex;
  }

  private static Map<String, String> uriAttributes(URI uri) {
    Map<String, String> out = new LinkedHashMap<>();
    String part = uri.getRawSchemeSpecificPart();
    if (part == null) {
      return out;
    }
    int q = part.indexOf('?');
    String path = q < 0 ? part : part.substring(0, q);
    String query = q < 0 ? "" : part.substring(q + 1);
    split(path, ";", out);
    split(query, "&", out);
    if (out.containsKey("pin-value")) {
      throw config("PKCS#11 URI must not contain pin-value; use pin-source or the 'pin' setting");
    }
    return out;
  }

  private static void split(String s, String separator, Map<String, String> out) {
    for (String attr : s.split(separator)) {
      if (attr.isEmpty()) {
        continue;
      }
      int eq = attr.indexOf('=');
      if (eq <= 0) {
        throw config("malformed PKCS#11 URI attribute '" + attr + "'");
      }
      out.put(
          attr.substring(0, eq),
          URLDecoder.decode(attr.substring(eq + 1).replace("+", "%2B"), StandardCharsets.UTF_8));
    }
  }

  private static String first(String a, String b) {
    return a != null ? a : b;
  }

  private static long parseLong(String key, String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw config("'" + key + "' must be an integer, got '" + value + "'");
    }
  }

  static KmsConfigException config(String message) {
    return new KmsConfigException(PROVIDER, null, message);
  }
}
