package dev.pipeseal.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes seed inputs where Jazzer's regression mode finds them: {@code
 * <root>/<package>/<TestClass>Inputs/<method>/<name>}. The root comes from the system property
 * {@value #PROPERTY} (the module's {@code src/test/resources}), so seeds are regenerated from the
 * real encoders with {@code ./mvnw -pl fuzz-tests test
 * -Dpipeseal.fuzz.writeSeeds=$PWD/fuzz-tests/src/test/resources}.
 */
public final class Seeds {
  public static final String PROPERTY = "pipeseal.fuzz.writeSeeds";

  private final Path dir;

  private Seeds(Path dir) {
    this.dir = dir;
  }

  /** The seed directory of {@code test}'s fuzz method {@code method}. */
  public static Seeds of(Class<?> test, String method) {
    String root = System.getProperty(PROPERTY);
    if (root == null) {
      throw new IllegalStateException(PROPERTY + " is not set");
    }
    Path d =
        Path.of(root)
            .resolve(test.getPackageName().replace('.', '/'))
            .resolve(test.getSimpleName() + "Inputs")
            .resolve(method);
    try {
      Files.createDirectories(d);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Seeds(d);
  }

  public Seeds add(String name, byte[] data) {
    try {
      Files.write(dir.resolve(name), data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  public Seeds add(String name, String text) {
    return add(name, text.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code prefix} then {@code count} repetitions of {@code unit}: deep nesting, long runs. */
  public static String repeat(String prefix, String unit, int count) {
    return prefix + unit.repeat(count);
  }

  /** Big-endian bytes of {@code v}, {@code n} bytes wide: hostile length prefixes. */
  public static byte[] be(long v, int n) {
    byte[] b = new byte[n];
    for (int i = n - 1; i >= 0; i--) {
      b[i] = (byte) v;
      v >>>= 8;
    }
    return b;
  }

  public static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
