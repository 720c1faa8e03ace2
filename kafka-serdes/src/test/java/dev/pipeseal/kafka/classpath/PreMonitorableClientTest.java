package dev.pipeseal.kafka.classpath;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.kafka.testing.LocalKeys;
import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients before kafka-clients 4.1 have no {@code Monitorable} or {@code PluginMetrics}. On such a
 * classpath (this JVM's, with those two types hidden) the plain serdes still load, configure and
 * round-trip a value, while the {@code Monitorable*} subclasses are the only ones that cannot load.
 */
class PreMonitorableClientTest {
  private static final Set<String> HIDDEN =
      Set.of(
          "org.apache.kafka.common.metrics.Monitorable",
          "org.apache.kafka.common.metrics.PluginMetrics");

  @TempDir Path dir;

  /** This JVM's class path in a fresh loader that lacks the KIP-877 types. */
  private static final class PreKip877Loader extends URLClassLoader {
    PreKip877Loader() {
      super(classPath(), ClassLoader.getPlatformClassLoader());
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (HIDDEN.contains(name)) {
        throw new ClassNotFoundException(name + " (hidden: kafka-clients < 4.1)");
      }
      return super.loadClass(name, resolve);
    }

    private static URL[] classPath() {
      return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
          .map(
              p -> {
                try {
                  return Path.of(p).toUri().toURL();
                } catch (MalformedURLException e) {
                  throw new IllegalStateException(e);
                }
              })
          .toArray(URL[]::new);
    }
  }

  @Test
  void plainSerdesWorkWithoutThePluginMetricsApi() throws Exception {
    LocalKeys keys = LocalKeys.create(dir.resolve("keys"), "old-client");
    Map<String, Object> config = new HashMap<>(keys.properties());
    config.put("pipeseal.master-key", "old-client");
    ClassLoader before = Thread.currentThread().getContextClassLoader();
    try (PreKip877Loader loader = new PreKip877Loader()) {
      // As in a client JVM whose application class path is this one: providers are found there.
      Thread.currentThread().setContextClassLoader(loader);
      assertThatThrownBy(() -> loader.loadClass(HIDDEN.iterator().next()))
          .isInstanceOf(ClassNotFoundException.class);

      Class<?> ser = Class.forName("dev.pipeseal.kafka.serde.EncryptingSerializer", true, loader);
      Class<?> de = Class.forName("dev.pipeseal.kafka.serde.DecryptingDeserializer", true, loader);
      assertThat(ser.getClassLoader()).isSameAs(loader);
      // Every method and constructor signature resolves.
      assertThat(ser.getDeclaredMethods()).isNotEmpty();
      assertThat(de.getDeclaredMethods()).isNotEmpty();

      Object s = ser.getConstructor().newInstance();
      ser.getMethod("configure", Map.class, boolean.class).invoke(s, config, false);
      byte[] plain = "still works".getBytes(StandardCharsets.UTF_8);
      byte[] sealed =
          (byte[]) ser.getMethod("serialize", String.class, Object.class).invoke(s, "t", plain);
      ser.getMethod("close").invoke(s);
      assertThat(sealed).isNotEqualTo(plain);

      Object d = de.getConstructor().newInstance();
      de.getMethod("configure", Map.class, boolean.class).invoke(d, config, false);
      byte[] opened =
          (byte[]) de.getMethod("deserialize", String.class, byte[].class).invoke(d, "t", sealed);
      de.getMethod("close").invoke(d);
      assertThat(opened).isEqualTo(plain);

      // The Monitorable variants are what needs 4.1: the proof that the hiding works.
      assertThatThrownBy(
              () ->
                  Class.forName(
                      "dev.pipeseal.kafka.serde.MonitorableEncryptingSerializer", true, loader))
          .isInstanceOf(NoClassDefFoundError.class);
      assertThatThrownBy(
              () ->
                  Class.forName(
                      "dev.pipeseal.kafka.serde.MonitorableDecryptingDeserializer", true, loader))
          .isInstanceOf(NoClassDefFoundError.class);
    } finally {
      Thread.currentThread().setContextClassLoader(before);
    }
  }
}
