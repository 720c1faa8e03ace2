package dev.pipeseal.kms.hadoop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsService;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class HadoopKmsServiceTest {
  private final HadoopKmsService service = new HadoopKmsService();

  @Test
  void supportsHadoopKmsUris() {
    assertThat(service.supports(URI.create("kms://http@kms1:9600/kms"))).isTrue();
    assertThat(service.supports(URI.create("kms://https@kms1;kms2:9600/kms"))).isTrue();
    assertThat(service.supports(URI.create("kms://HTTP@127.0.0.1:9600/kms"))).isTrue();
    assertThat(service.supports(URI.create("kms://ftp@kms1:9600/kms"))).isFalse();
    assertThat(service.supports(URI.create("kms://kms1:9600/kms"))).isFalse();
    assertThat(service.supports(URI.create("local:///keys.p12"))).isFalse();
    assertThat(service.supports(URI.create("http://kms1:9600/kms"))).isFalse();
  }

  @Test
  void isRegisteredWithServiceLoader() {
    assertThat(ServiceLoader.load(KmsService.class).stream().map(ServiceLoader.Provider::type))
        .contains(HadoopKmsService.class);
  }

  @Test
  void rejectsOtherUrisAndBadConfig() {
    assertThatThrownBy(() -> service.create(URI.create("local:///x"), Map.of()))
        .isInstanceOf(KmsConfigException.class);
    assertThatThrownBy(
            () ->
                service.create(
                    URI.create("kms://http@127.0.0.1:1/kms"), Map.of("timeout.seconds", "soon")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("timeout.seconds");
  }

  /**
   * On a classpath with only kms-hadoop, kms-spi and crypto-core, ServiceLoader finds and
   * instantiates the service and {@code supports} answers without loading any Hadoop class; {@code
   * create} then fails with a typed configuration error instead of a linkage error.
   */
  @Test
  void needsNoHadoopUntilCreate() throws Exception {
    List<String> loaded = new CopyOnWriteArrayList<>();
    URL[] noHadoop = {
      location(HadoopKmsService.class), location(KmsService.class), location(DataKey.class)
    };
    try (URLClassLoader loader = new RecordingLoader(noHadoop, loaded)) {
      Class<?> spi = loader.loadClass(KmsService.class.getName());
      Object found =
          ServiceLoader.load(spi, loader).stream()
              .map(ServiceLoader.Provider::get)
              .filter(s -> s.getClass().getName().equals(HadoopKmsService.class.getName()))
              .findFirst()
              .orElseThrow();
      Method supports = found.getClass().getMethod("supports", URI.class);
      assertThat(supports.invoke(found, URI.create("kms://http@kms1:9600/kms"))).isEqualTo(true);
      assertThat(loaded).noneMatch(n -> n.startsWith("org.apache.hadoop"));

      Method create = found.getClass().getMethod("create", URI.class, Map.class);
      assertThatThrownBy(
              () -> create.invoke(found, URI.create("kms://http@kms1:9600/kms"), Map.of()))
          .isInstanceOf(InvocationTargetException.class)
          .cause()
          .satisfies(
              e -> assertThat(e.getClass().getName()).isEqualTo(KmsConfigException.class.getName()))
          .hasMessageContaining("Hadoop client");
    }
  }

  private static URL location(Class<?> c) {
    return c.getProtectionDomain().getCodeSource().getLocation();
  }

  /** Child-first for our code, records every class name it is asked for. */
  private static final class RecordingLoader extends URLClassLoader {
    private final List<String> loaded;

    RecordingLoader(URL[] urls, List<String> loaded) {
      super(urls, ClassLoader.getPlatformClassLoader());
      this.loaded = loaded;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      loaded.add(name);
      return super.loadClass(name, resolve);
    }
  }
}
