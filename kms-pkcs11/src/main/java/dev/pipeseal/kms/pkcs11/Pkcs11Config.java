package dev.pipeseal.kms.pkcs11;

import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.secret.SecretReference;
import dev.pipeseal.kms.secret.SecretSource;
import dev.pipeseal.kms.settings.Property;
import dev.pipeseal.kms.settings.PropertySet;
import dev.pipeseal.kms.settings.Settings;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of a PKCS#11 provider ({@link #PROPERTIES}), parsed only by {@link #parse}. Exactly one
 * of {@code slot}, {@code slot-list-index} and {@code token} selects the token.
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

  public static final Property<Path> LIBRARY =
      Property.of(
              "library",
              "path",
              null,
              Path::of,
              "PKCS#11 module (.so); the URI attribute module-path also sets it.")
          .withDefaultText("SoftHSM2 where installed");
  public static final Property<Long> SLOT =
      Property.longInteger(
          "slot", null, 0, Long.MAX_VALUE, "Slot id (or URI slot-id); one token selector.");
  public static final Property<Integer> SLOT_LIST_INDEX =
      Property.integer(
              "slot-list-index",
              null,
              0,
              Integer.MAX_VALUE,
              "Index in the module's slot list; one token selector.")
          .withAliases("slotListIndex");
  public static final Property<String> TOKEN =
      Property.string("token", null, "Token label (or URI token); one token selector.");
  public static final Property<SecretReference> PIN =
      Property.secret("pin", "User PIN, env:NAME or file:/path (or URI pin-source). Required.");
  public static final Property<Integer> THREADS =
      Property.integer("threads", 4, 1, 256, "Worker threads, and so concurrent HSM operations.");
  public static final Property<Duration> REFRESH =
      Property.duration(
              "refresh",
              Duration.ofSeconds(60),
              ChronoUnit.SECONDS,
              "How long the cached list of key versions is trusted before it is reread.")
          .withAliases("refreshSeconds");

  /** Settings under {@code pipeseal.kms.provider.} for a {@code pkcs11:} URI. */
  public static final PropertySet PROPERTIES =
      PropertySet.of(
          "PKCS#11 provider",
          "pipeseal.kms.provider.",
          LIBRARY,
          SLOT,
          SLOT_LIST_INDEX,
          TOKEN,
          PIN,
          THREADS,
          REFRESH);

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
      throw config("set exactly one of 'token' (label), 'slot' (id) and 'slot-list-index'");
    }
    if (!SecretReference.isReference(pin)) {
      throw config("'pin' must be a reference, env:VARIABLE or file:/path (not the PIN itself)");
    }
    if (threads < 1 || threads > 256) {
      throw config("'threads' must be 1..256, got " + threads);
    }
    if (refresh.isNegative()) {
      throw config("'refresh' must be >= 0");
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
    Settings settings = Settings.of(config).withSource(PROVIDER).validate(PROPERTIES);
    Path libraryPath =
        settings.isSet(LIBRARY)
            ? settings.get(LIBRARY)
            : attrs.containsKey("module-path")
                ? Path.of(attrs.get("module-path"))
                : defaultLibrary();
    if (libraryPath == null) {
      throw config(
          "no PKCS#11 module: set '"
              + LIBRARY.name()
              + "' (SoftHSM2 is not installed where expected)");
    }
    Long slot =
        settings.isSet(SLOT)
            ? settings.get(SLOT)
            : attrs.containsKey("slot-id")
                ? Settings.of(Map.of(SLOT.name(), attrs.get("slot-id"))).get(SLOT)
                : null;
    Integer index = settings.get(SLOT_LIST_INDEX);
    String token = first(settings.get(TOKEN), attrs.get("token"));
    if (slot != null || index != null) {
      token = settings.get(TOKEN); // a URI label does not conflict with a configured slot
    }
    String pin;
    if (settings.isSet(PIN)) {
      pin = settings.get(PIN).toString();
    } else if (attrs.containsKey("pin-source")) {
      pin = attrs.get("pin-source");
    } else {
      throw config("'" + PIN.name() + "' is required (env:VARIABLE or file:/path)");
    }
    return new Pkcs11Config(
        libraryPath, slot, index, token, pin, settings.get(THREADS), settings.get(REFRESH));
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

  static KmsConfigException config(String message) {
    return new KmsConfigException(PROVIDER, null, message);
  }
}
