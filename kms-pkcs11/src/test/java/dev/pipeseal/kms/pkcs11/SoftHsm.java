package dev.pipeseal.kms.pkcs11;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * SoftHSM2 for tests: writes the file {@code SOFTHSM2_CONF} names (set by the surefire
 * configuration) and initializes every token the tests use, once per JVM, before any PKCS#11 module
 * is loaded (SoftHSM2 reads its token directory when the module initializes).
 *
 * <p>When SoftHSM2 is missing, tests are skipped locally and fail when {@code CI} is set.
 */
public final class SoftHsm {
  public static final String PIN = "7391-user";
  public static final String WRONG_PIN = "0000-wrong";
  private static final String SO_PIN = "5526-so";

  /** Tokens: each test class uses its own, so login state and key names never interfere. */
  public static final List<String> TOKENS =
      List.of("pipeseal", "pipeseal-cli", "pipeseal-badpin", "pipeseal-reopen");

  private static final Pattern REASSIGNED = Pattern.compile("reassigned to slot (\\d+)");
  private static Setup setup;
  private static String problem;

  /** What tests need to open a provider. */
  public record Setup(Path library, Path pinFile, Path wrongPinFile, Map<String, Long> slots) {
    /** Provider config for {@code token}, by label. */
    public Map<String, String> config(String token, Path pin) {
      return Map.of(
          Pkcs11Config.LIBRARY.name(),
          library.toString(),
          Pkcs11Config.TOKEN.name(),
          token,
          Pkcs11Config.PIN.name(),
          "file:" + pin);
    }

    public Map<String, String> config(String token) {
      return config(token, pinFile);
    }
  }

  private SoftHsm() {}

  /** Returns the setup, or aborts (locally) / fails (CI) the calling test. */
  public static synchronized Setup require() {
    if (setup == null && problem == null) {
      try {
        setup = initialize();
      } catch (IOException | RuntimeException e) {
        problem = "SoftHSM2 setup failed: " + e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        problem = "interrupted";
      }
    }
    if (setup == null) {
      if (System.getenv("CI") != null) {
        fail(problem + " (CI is set, so SoftHSM2 tests must run: apt-get install softhsm2)");
      }
      Assumptions.abort(problem + "; skipping PKCS#11 tests");
    }
    return setup;
  }

  private static Setup initialize() throws IOException, InterruptedException {
    String confEnv = System.getenv("SOFTHSM2_CONF");
    if (confEnv == null) {
      problem = "SOFTHSM2_CONF is not set in the test JVM's environment (run through Maven)";
      return null;
    }
    Path library = Pkcs11Config.defaultLibrary();
    Path util = onPath("softhsm2-util");
    if (library == null || util == null) {
      problem =
          "SoftHSM2 is not installed (library "
              + (library == null ? "missing" : "found")
              + ", softhsm2-util "
              + (util == null ? "missing" : "found")
              + "); install the Debian package softhsm2";
      return null;
    }
    Path conf = Path.of(confEnv);
    Path base = conf.getParent();
    Path tokens = base.resolve("tokens");
    if (Files.exists(tokens)) {
      try (Stream<Path> files = Files.walk(tokens)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    Files.createDirectories(tokens);
    Files.writeString(
        conf,
        "directories.tokendir = "
            + tokens
            + "\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");
    Map<String, Long> slots = new LinkedHashMap<>();
    for (String label : TOKENS) {
      Process p =
          new ProcessBuilder(
                  util.toString(),
                  "--init-token",
                  "--free",
                  "--label",
                  label,
                  "--pin",
                  PIN,
                  "--so-pin",
                  SO_PIN)
              .redirectErrorStream(true)
              .start();
      p.getOutputStream().close();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int rc = p.waitFor();
      Matcher m = REASSIGNED.matcher(output);
      if (rc != 0 || !m.find()) {
        throw new IOException("softhsm2-util --init-token failed (" + rc + "): " + output);
      }
      slots.put(label, Long.parseLong(m.group(1)));
    }
    Path pin = base.resolve("user.pin");
    Files.writeString(pin, PIN + "\n");
    Path wrongPin = base.resolve("wrong.pin");
    Files.writeString(wrongPin, WRONG_PIN);
    return new Setup(library, pin, wrongPin, Map.copyOf(slots));
  }

  private static Path onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, program);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    for (String dir : List.of("/usr/bin", "/usr/local/bin", "/opt/homebrew/bin")) {
      Path p = Path.of(dir, program);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }
}
