package dev.pipeseal.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.registry.SubjectErasedException;
import dev.pipeseal.kms.registry.SubjectHash;
import dev.pipeseal.kms.registry.SubjectHasher;
import dev.pipeseal.kms.registry.SubjectKey;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import dev.pipeseal.kms.registry.SubjectKeyRegistry.KeyRewrapResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rewrapping the subject keys of the crypto-shredding area to a new master key version, and
 * counting what still uses the old one: the subject-area half of {@code keys rewrap} and {@code
 * keys status}/{@code retire}.
 */
class SubjectKeyRewrapTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final SubjectHasher HASHER =
      SubjectHasher.of("test-only subject PRF key, 32+ bytes".getBytes(StandardCharsets.UTF_8));
  private static final Predicate<WrappedKey> AT_V1 = w -> w.masterKeyVersion().equals("1");

  /** Stands in for the KMS: the same DEK id bytes, now "wrapped" under version 2. */
  private static final UnaryOperator<List<WrappedKey>> TO_V2 =
      keys ->
          keys.stream()
              .map(
                  w ->
                      new WrappedKey(
                          w.provider(), w.masterKeyName(), "2", w.algorithm(), reversed(w.bytes())))
              .toList();

  @TempDir Path dir;

  private static byte[] reversed(byte[] b) {
    byte[] out = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = b[b.length - 1 - i];
    }
    return out;
  }

  private static WrappedKey generateV1() {
    byte[] b = new byte[60];
    RANDOM.nextBytes(b);
    return new WrappedKey("local", "pii", "1", "AES256-GCM", b);
  }

  private SubjectKeyRegistry open() {
    return KeyRegistries.openSubjects(dir.toString(), Map.of());
  }

  private static List<SubjectHash> subjects(int n) {
    List<SubjectHash> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(HASHER.hash("user-" + i));
    }
    return out;
  }

  private Map<String, Long> storedByVersion(SubjectKeyRegistry registry) {
    Map<String, Long> n = new TreeMap<>();
    registry.forEachStoredKey(k -> n.merge(k.wrapped().masterKeyVersion(), 1L, Long::sum));
    return n;
  }

  @Test
  void rewrapsEveryLiveSubjectKeyAndLeavesErasedOnesErased() {
    List<SubjectHash> all = subjects(500);
    Map<SubjectHash, SubjectKey> keys;
    try (SubjectKeyRegistry registry = open()) {
      keys = registry.keysFor(all, SubjectKeyRewrapTest::generateV1);
      registry.shred(all.get(3));
      assertThat(storedByVersion(registry)).isEqualTo(Map.of("1", 499L));

      KeyRewrapResult dry = registry.rewrapKeys(AT_V1, TO_V2, true, p -> {});
      assertThat(dry).isEqualTo(new KeyRewrapResult(499, 499, 0, 0));
      assertThat(storedByVersion(registry)).isEqualTo(Map.of("1", 499L));

      List<String> problems = new ArrayList<>();
      KeyRewrapResult r = registry.rewrapKeys(AT_V1, TO_V2, false, problems::add);
      assertThat(problems).isEmpty();
      assertThat(r).isEqualTo(new KeyRewrapResult(499, 499, 499, 0));
      assertThat(storedByVersion(registry)).isEqualTo(Map.of("2", 499L));
      // A rerun finds nothing stale.
      assertThat(registry.rewrapKeys(AT_V1, TO_V2, false, problems::add))
          .isEqualTo(new KeyRewrapResult(499, 0, 0, 0));
    }
    try (SubjectKeyRegistry reader = open()) { // another process
      for (SubjectHash s : all) {
        SubjectKey before = keys.get(s);
        if (s.equals(all.get(3))) {
          assertThatThrownBy(() -> reader.key(s, before.dekId()))
              .isInstanceOf(SubjectErasedException.class);
          continue;
        }
        SubjectKey now = reader.key(s, before.dekId()).orElseThrow();
        assertThat(now.created()).isEqualTo(before.created());
        assertThat(now.wrapped().masterKeyVersion()).isEqualTo("2");
        assertThat(now.wrapped().bytes()).isEqualTo(reversed(before.wrapped().bytes()));
      }
      // Writers keep using the subjects' existing keys, now under version 2.
      assertThat(reader.keysFor(all.subList(0, 3), SubjectKeyRewrapTest::generateV1).values())
          .extracting(k -> k.wrapped().masterKeyVersion())
          .containsOnly("2");
    }
  }

  @Test
  void aStaleCopyLeftBesideItsRewriteIsCountedAndRewrittenAway() throws IOException {
    List<SubjectHash> all = subjects(40);
    try (SubjectKeyRegistry registry = open()) {
      registry.keysFor(all, SubjectKeyRewrapTest::generateV1);
    }
    // Keep the version-1 segments, as a rewrite that crashed before deleting them would.
    Path saved = Files.createTempDirectory(dir.getParent(), "segments");
    List<Path> segments;
    try (Stream<Path> files = Files.walk(dir.resolve("subjects"))) {
      segments = files.filter(p -> p.toString().endsWith(".seg")).toList();
    }
    for (Path p : segments) {
      Files.copy(p, saved.resolve(dir.relativize(p).toString().replace('/', '_')));
    }
    try (SubjectKeyRegistry registry = open()) {
      registry.rewrapKeys(AT_V1, TO_V2, false, p -> {});
      assertThat(storedByVersion(registry)).isEqualTo(Map.of("2", 40L));
    }
    for (Path p : segments) {
      Files.copy(saved.resolve(dir.relativize(p).toString().replace('/', '_')), p);
    }
    try (SubjectKeyRegistry registry = open()) {
      // Both wrappings are stored now; the old one must still count as a use of version 1.
      assertThat(storedByVersion(registry)).isEqualTo(Map.of("1", 40L, "2", 40L));
      registry.rewrapKeys(AT_V1, TO_V2, false, p -> {});
      assertThat(storedByVersion(registry)).isEqualTo(Map.of("2", 40L));
    }
  }

  @Test
  void aBucketWhoseRewrapFailsIsLeftAsItWasAndReported() {
    List<SubjectHash> all = subjects(200);
    try (SubjectKeyRegistry registry = open()) {
      registry.keysFor(all, SubjectKeyRewrapTest::generateV1);
      List<String> problems = new ArrayList<>();
      KeyRewrapResult r =
          registry.rewrapKeys(
              AT_V1,
              keys -> {
                throw new IllegalStateException("KMS unavailable");
              },
              false,
              problems::add);
      assertThat(r.rewrapped()).isZero();
      assertThat(r.failed()).isEqualTo(200);
      assertThat(problems).isNotEmpty().allMatch(p -> p.contains("KMS unavailable"));
      assertThat(storedByVersion(registry)).isEqualTo(Map.of("1", 200L));
      assertThat(registry.rewrapKeys(AT_V1, TO_V2, false, p -> {}).rewrapped()).isEqualTo(200);
    }
  }
}
