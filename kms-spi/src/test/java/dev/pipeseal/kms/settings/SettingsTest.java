package dev.pipeseal.kms.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.secret.Secret;
import dev.pipeseal.kms.secret.SecretReference;
import dev.pipeseal.kms.secret.SecretSource;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
  enum Mode {
    WHOLE,
    JSON_FIELDS
  }

  static final Property<Integer> CACHE_SIZE =
      Property.integer("cache-size", 100, 0, 1000, "entries").withAliases("cacheSize");
  static final Property<Duration> TIMEOUT =
      Property.duration("timeout", Duration.ofSeconds(10), ChronoUnit.SECONDS, "per call")
          .withAliases("timeout.seconds")
          .withCheck(d -> !d.isZero(), "must be positive");
  static final Property<Boolean> ENABLED = Property.bool("enabled", true, "on");
  static final Property<Mode> MODE = Property.choice("mode", Mode.class, Mode.WHOLE, "what");
  static final Property<Long> LIMIT = Property.longInteger("limit", 5L, 1, 1L << 40, "n");
  static final Property<Long> BUFFER = Property.size("buffer", 65536L, "bytes");
  static final Property<URI> URI_PROP = Property.uri("uri", null, "where");
  static final Property<List<String>> FIELDS = Property.list("fields", "pointers");
  static final Property<SecretReference> PASSWORD = Property.secret("password", "store password");
  static final Property<String> NAME = Property.string("name", null, "a name");

  static final PropertySet SET =
      PropertySet.of(
              "test",
              "pipeseal.test.",
              CACHE_SIZE,
              TIMEOUT,
              ENABLED,
              MODE,
              LIMIT,
              BUFFER,
              URI_PROP,
              FIELDS,
              PASSWORD,
              NAME)
          .withPassThrough("provider.", "provider settings");

  @TempDir Path dir;

  private static Settings test(Map<String, ?> map) {
    return Settings.of(map).scoped("pipeseal.test.");
  }

  @Test
  void typedGettersAndDefaults() {
    Settings s =
        test(
            Map.of(
                "pipeseal.test.cache-size", "12",
                "pipeseal.test.timeout", "500ms",
                "pipeseal.test.enabled", "FALSE",
                "pipeseal.test.mode", "json-fields",
                "pipeseal.test.limit", "1_000_000",
                "pipeseal.test.buffer", "16MiB",
                "pipeseal.test.uri", "local:///tmp/k.p12",
                "pipeseal.test.fields", " /a, ,/b/c ",
                "other.thing", "ignored"));
    assertThat(s.get(CACHE_SIZE)).isEqualTo(12);
    assertThat(s.get(TIMEOUT)).isEqualTo(Duration.ofMillis(500));
    assertThat(s.get(ENABLED)).isFalse();
    assertThat(s.get(MODE)).isEqualTo(Mode.JSON_FIELDS);
    assertThat(s.get(LIMIT)).isEqualTo(1_000_000L);
    assertThat(s.get(BUFFER)).isEqualTo(16L << 20);
    assertThat(s.get(URI_PROP)).isEqualTo(URI.create("local:///tmp/k.p12"));
    assertThat(s.get(FIELDS)).containsExactly("/a", "/b/c");
    assertThat(s.asMap()).doesNotContainKey("other.thing").containsKey("cache-size");

    Settings empty = test(Map.of("pipeseal.test.name", "  "));
    assertThat(empty.get(CACHE_SIZE)).isEqualTo(100);
    assertThat(empty.get(TIMEOUT)).isEqualTo(Duration.ofSeconds(10));
    assertThat(empty.get(FIELDS)).isEmpty();
    assertThat(empty.get(NAME)).as("blank is unset").isNull();
    assertThat(empty.isSet(NAME)).isFalse();
  }

  @Test
  void invalidValuesNameTheFullProperty() {
    assertThatThrownBy(() -> test(Map.of("pipeseal.test.cache-size", "1001")).get(CACHE_SIZE))
        .isInstanceOf(SettingsException.class)
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("'pipeseal.test.cache-size'")
        .hasMessageContaining("0..1000")
        .extracting(e -> ((SettingsException) e).property())
        .isEqualTo("pipeseal.test.cache-size");
    assertThatThrownBy(() -> test(Map.of("pipeseal.test.cache-size", "ten")).get(CACHE_SIZE))
        .hasMessageContaining("whole number");
    assertThatThrownBy(() -> test(Map.of("pipeseal.test.timeout", "soon")).get(TIMEOUT))
        .hasMessageContaining("'pipeseal.test.timeout'")
        .hasMessageContaining("'soon'")
        .hasMessageContaining("500ms");
    assertThatThrownBy(() -> test(Map.of("pipeseal.test.timeout", "0s")).get(TIMEOUT))
        .hasMessageContaining("must be positive");
    assertThatThrownBy(() -> test(Map.of("pipeseal.test.enabled", "yes")).get(ENABLED))
        .hasMessageContaining("true or false");
    assertThatThrownBy(() -> test(Map.of("pipeseal.test.mode", "all")).get(MODE))
        .hasMessageContaining("whole, json-fields");
    assertThatThrownBy(() -> test(Map.of("pipeseal.test.limit", "0")).get(LIMIT))
        .hasMessageContaining("1..1099511627776");
    assertThatThrownBy(() -> test(Map.of("pipeseal.test.buffer", "lots")).get(BUFFER))
        .hasMessageContaining("64k");
    assertThatThrownBy(() -> test(Map.of("pipeseal.test.uri", "a b")).get(URI_PROP))
        .hasMessageContaining("not a URI");
    assertThatThrownBy(() -> test(Map.of()).require(NAME))
        .hasMessageContaining("'pipeseal.test.name' is required");
  }

  @Test
  void unknownNameRejectedWithNearestValidName() {
    assertThatThrownBy(
            () -> test(Map.of("pipeseal.test.cache-sise", "1", "x.y", "z")).validate(SET))
        .isInstanceOf(SettingsException.class)
        .hasMessageContaining("unknown property 'pipeseal.test.cache-sise'")
        .hasMessageContaining("nearest valid name: 'pipeseal.test.cache-size'");
    assertThatThrownBy(() -> test(Map.of("pipeseal.test.timout", "1s")).validate(SET))
        .hasMessageContaining("'pipeseal.test.timeout'");
    // A near miss of a deprecated name suggests the current name, not the alias.
    assertThatThrownBy(() -> test(Map.of("pipeseal.test.cachesize", "1")).validate(SET))
        .hasMessageContaining("nearest valid name: 'pipeseal.test.cache-size'");
    // Pass-through names are someone else's.
    test(Map.of("pipeseal.test.provider.anything", "1")).validate(SET);
  }

  @Test
  void deprecatedAliasWorksAndWarns() {
    List<String> warnings = new ArrayList<>();
    Settings s =
        test(Map.of("pipeseal.test.cacheSize", "7", "pipeseal.test.timeout.seconds", "30"))
            .withWarnings(warnings::add)
            .validate(SET);
    assertThat(s.get(CACHE_SIZE)).isEqualTo(7);
    assertThat(s.get(TIMEOUT))
        .as("bare number in the stated unit")
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(s.fullName(CACHE_SIZE)).isEqualTo("pipeseal.test.cacheSize");
    assertThat(warnings)
        .containsExactlyInAnyOrder(
            "'pipeseal.test.cacheSize' is deprecated; use 'pipeseal.test.cache-size' (same value)",
            "'pipeseal.test.timeout.seconds' is deprecated; use 'pipeseal.test.timeout' (same"
                + " value)");
  }

  @Test
  void currentAndDeprecatedNameMustAgree() {
    Settings same = test(Map.of("pipeseal.test.cacheSize", "7", "pipeseal.test.cache-size", "7"));
    assertThat(same.get(CACHE_SIZE)).isEqualTo(7);
    Settings differ = test(Map.of("pipeseal.test.cacheSize", "7", "pipeseal.test.cache-size", "8"));
    assertThatThrownBy(() -> differ.get(CACHE_SIZE))
        .isInstanceOf(SettingsException.class)
        .hasMessageContaining("both set");
  }

  @Test
  void overlayReadsTheSideFirst() {
    Settings all =
        Settings.of(
                Map.of(
                    "pipeseal.mode", "json-fields",
                    "pipeseal.value.mode", "whole",
                    "pipeseal.key.cache-size", "3",
                    "pipeseal.cache-size", "4"))
            .scoped("pipeseal.");
    Settings value = all.overlay("value.", "key.", "value.");
    Settings key = all.overlay("key.", "key.", "value.");
    assertThat(value.get(MODE)).isEqualTo(Mode.WHOLE);
    assertThat(key.get(MODE)).isEqualTo(Mode.JSON_FIELDS);
    assertThat(key.get(CACHE_SIZE)).isEqualTo(3);
    assertThat(value.get(CACHE_SIZE)).isEqualTo(4);
    assertThat(value.fullName(MODE)).isEqualTo("pipeseal.value.mode");
    assertThat(key.fullName(MODE)).isEqualTo("pipeseal.mode");
    value.validate(SET);
    Settings typo = Settings.of(Map.of("pipeseal.value.mdoe", "whole")).scoped("pipeseal.");
    assertThatThrownBy(() -> typo.overlay("value.", "key.").validate(SET))
        .hasMessageContaining("unknown property 'pipeseal.value.mdoe'")
        .hasMessageContaining("nearest valid name: 'pipeseal.mode'");
  }

  @Test
  void kafkaStyleValues() {
    Settings s = Settings.of(Map.of("a", String.class, "b", 12, "c", true));
    assertThat(s.asMap()).containsEntry("a", "java.lang.String").containsEntry("b", "12");
    Properties p = new Properties();
    p.setProperty("pipeseal.test.cache-size", "9");
    assertThat(Settings.of(p).scoped("pipeseal.test.").get(CACHE_SIZE)).isEqualTo(9);
  }

  @Test
  void secretsAreReferencesAndStayHidden() throws Exception {
    SecretSource env = SecretSource.withEnvironment(n -> n.equals("PW") ? "hunter2" : null);
    Settings s = test(Map.of("pipeseal.test.password", "env:PW"));
    try (Secret secret = s.secret(PASSWORD, env)) {
      assertThat(secret.chars()).containsExactly("hunter2".toCharArray());
      assertThat(secret.toString()).doesNotContain("hunter2").isEqualTo("Secret[hidden]");
      assertThat(String.valueOf(secret)).doesNotContain("hunter2");
    }
    assertThat(s.get(PASSWORD).toString()).isEqualTo("env:PW");

    Settings inline = test(Map.of("pipeseal.test.password", "hunter2"));
    assertThatThrownBy(() -> inline.get(PASSWORD))
        .isInstanceOf(SettingsException.class)
        .hasMessageContaining("'pipeseal.test.password'")
        .hasMessageContaining("env:NAME")
        .message()
        .doesNotContain("hunter2");
    assertThatThrownBy(
            () -> test(Map.of("pipeseal.test.password", "env:NOPE")).secret(PASSWORD, env))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("NOPE");

    Path file = dir.resolve("pw");
    Files.writeString(file, "s3cret\n");
    try (Secret fromFile =
        test(Map.of("pipeseal.test.password", "file:" + file)).secret(PASSWORD, env)) {
      assertThat(fromFile.asString()).isEqualTo("s3cret");
      fromFile.close();
      assertThatThrownBy(fromFile::chars).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void valueOrReferenceResolvesOnlyReferences() throws Exception {
    SecretSource env = SecretSource.withEnvironment(n -> n.equals("DEK") ? "AAAA" : null);
    assertThat(test(Map.of("pipeseal.test.name", "inline")).valueOrReference(NAME, env))
        .isEqualTo("inline");
    assertThat(test(Map.of("pipeseal.test.name", "env:DEK")).valueOrReference(NAME, env))
        .isEqualTo("AAAA");
    Path f = dir.resolve("dek");
    Files.writeString(f, "BBBB\n");
    assertThat(test(Map.of("pipeseal.test.name", "file:" + f)).valueOrReference(NAME, env))
        .isEqualTo("BBBB");
  }

  @Test
  void declarationsRejectDuplicateNames() {
    assertThatThrownBy(
            () ->
                PropertySet.of(
                    "dup",
                    "",
                    CACHE_SIZE,
                    Property.string("cacheSize", null, "clashes with alias")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cacheSize");
    assertThat(PropertySet.editDistance("cacheSize", "cache-size")).isEqualTo(1);
  }
}
