package dev.pipeseal.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.hierarchy.KekConfig;
import dev.pipeseal.kms.hierarchy.KekKms;
import dev.pipeseal.kms.local.LocalKms;
import dev.pipeseal.kms.registry.SubjectErasedException;
import dev.pipeseal.kms.registry.SubjectHash;
import dev.pipeseal.kms.registry.SubjectHasher;
import dev.pipeseal.kms.registry.SubjectKey;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import dev.pipeseal.kms.wrapping.WrappedKeyCodec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Per-subject keys and crypto-shredding on the registry's real stores. */
class SubjectKeyRegistryTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final SubjectHasher HASHER =
      SubjectHasher.of(
          "test-only subject PRF key, 32+ bytes long".getBytes(StandardCharsets.UTF_8));

  @TempDir Path dir;

  /** Distinct wrapped bytes per key, so a scan of the files can find each one. */
  private static final Supplier<WrappedKey> GENERATE =
      () -> {
        byte[] b = new byte[60];
        RANDOM.nextBytes(b);
        return new WrappedKey("local", "pii", "1", "AES256-GCM", b);
      };

  private SubjectKeyRegistry open(String store) {
    return KeyRegistries.openSubjects(
        dir.toUri().toString(), Map.of(RegistryConfig.STORE.name(), store));
  }

  private static List<SubjectHash> subjects(int n) {
    List<SubjectHash> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(HASHER.hash("user-" + i));
    }
    return out;
  }

  /** Whether any file below the registry root holds {@code bytes}. */
  private boolean stored(byte[] bytes) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        byte[] content = Files.readAllBytes(p);
        if (indexOf(content, bytes) >= 0) {
          return true;
        }
      }
    }
    return false;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @ParameterizedTest
  @ValueSource(strings = {"local", "hadoop"})
  void createsFindsAndShredsSubjectKeys(String store) throws IOException {
    List<SubjectHash> all = subjects(300);
    Map<SubjectHash, SubjectKey> keys;
    try (SubjectKeyRegistry registry = open(store)) {
      keys = registry.keysFor(all, GENERATE);
      assertThat(keys).hasSize(300);
      // Asking again creates nothing: the same keys come back.
      assertThat(registry.keysFor(all, GENERATE)).isEqualTo(keys);
    }
    SubjectHash victim = all.get(7);
    byte[] victimWrapped = keys.get(victim).wrapped().bytes();
    assertThat(stored(victimWrapped)).isTrue();
    try (SubjectKeyRegistry other = open(store)) { // another process
      assertThat(other.keysFor(all, GENERATE)).isEqualTo(keys);
      SubjectKey k = keys.get(victim);
      assertThat(other.key(victim, k.dekId())).contains(k);
      assertThat(other.key(victim, k.dekId() + 1)).isEmpty();
      assertThat(other.key(HASHER.hash("nobody"), 1)).isEmpty();

      SubjectKeyRegistry.ShredResult r = other.shred(victim);
      assertThat(r.keysDestroyed()).isEqualTo(1);
      assertThat(r.alreadyErased()).isFalse();
      assertThatThrownBy(() -> other.key(victim, k.dekId()))
          .isInstanceOf(SubjectErasedException.class)
          .hasMessageContaining(victim.hex())
          .hasMessageNotContaining("user-7");
      assertThat(other.erased(victim)).isTrue();
      // No key is made again for an erased subject.
      assertThat(other.keysFor(List.of(victim), GENERATE)).isEmpty();
      // Shredding again is a no-op that says so.
      assertThat(other.shred(victim).alreadyErased()).isTrue();
    }
    // The wrapped key is gone from storage, not just hidden.
    assertThat(stored(victimWrapped)).isFalse();
    try (SubjectKeyRegistry fresh = open(store)) {
      for (SubjectHash s : all) {
        if (s.equals(victim)) {
          assertThatThrownBy(() -> fresh.key(s, keys.get(s).dekId()))
              .isInstanceOf(SubjectErasedException.class);
        } else {
          assertThat(fresh.key(s, keys.get(s).dekId())).contains(keys.get(s));
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"published", "deleted"})
  void aShredInterruptedAfterAnyStepIsFinishedByARerun(String crashAfter) throws IOException {
    List<SubjectHash> all = subjects(50);
    SubjectHash victim = all.get(3);
    int bucket = SubjectSegment.bucket(victim);
    Map<SubjectHash, SubjectKey> keys;
    // Two files in the victim's bucket, so a crash can fall between two deletions.
    try (SubjectKeyRegistry registry = open("local")) {
      keys = registry.keysFor(all, GENERATE);
      registry.keysFor(List.of(neighbour(victim)), GENERATE);
    }
    byte[] victimWrapped = keys.get(victim).wrapped().bytes();
    SegmentSubjectRegistry crashing =
        new SegmentSubjectRegistry(
            new LocalDirectoryStore(dir),
            100,
            Duration.ofMinutes(1),
            step -> {
              if (step.equals(crashAfter)) {
                throw new IOException("injected crash after " + step);
              }
            });
    assertThatThrownBy(() -> crashing.shred(victim))
        .hasRootCauseMessage("injected crash after " + crashAfter);
    // Already refused by every reader, though the old file may still hold the wrapped key.
    try (SubjectKeyRegistry reader = open("local")) {
      assertThatThrownBy(() -> reader.key(victim, keys.get(victim).dekId()))
          .isInstanceOf(SubjectErasedException.class);
      assertThat(reader.key(all.get(4), keys.get(all.get(4)).dekId()))
          .contains(keys.get(all.get(4)));
    }
    if (crashAfter.equals("published")) {
      assertThat(stored(victimWrapped)).isTrue(); // still on disk until the old file goes
    }
    try (SubjectKeyRegistry rerun = open("local")) {
      SubjectKeyRegistry.ShredResult r = rerun.shred(victim);
      assertThat(r.alreadyErased()).isTrue();
    }
    assertThat(stored(victimWrapped)).isFalse();
    assertThat(Files.list(dir.resolve("subjects").resolve(SubjectSegment.bucketName(bucket))))
        .hasSize(1);
    try (SubjectKeyRegistry reader = open("local")) {
      for (SubjectHash s : all) {
        if (!s.equals(victim)) {
          assertThat(reader.key(s, keys.get(s).dekId())).contains(keys.get(s));
        }
      }
    }
  }

  @Test
  void aBatchCreatesManySubjectsWithOneFilePerTouchedBucket() throws IOException {
    List<SubjectHash> all = subjects(5000);
    Map<SubjectHash, SubjectKey> keys;
    try (SubjectKeyRegistry registry = open("local")) {
      keys = registry.keysFor(all, GENERATE);
    }
    assertThat(keys).hasSize(5000);
    Set<Integer> touched = new HashSet<>();
    all.forEach(s -> touched.add(SubjectSegment.bucket(s)));
    try (Stream<Path> files = Files.walk(dir.resolve("subjects"))) {
      assertThat(files.filter(Files::isRegularFile).count()).isEqualTo(touched.size());
    }
    try (SubjectKeyRegistry other = open("hadoop")) {
      for (SubjectHash s : all) {
        assertThat(other.key(s, keys.get(s).dekId())).contains(keys.get(s));
      }
      // A second batch with new and old subjects: old ones come back unchanged, new ones added.
      List<SubjectHash> more = new ArrayList<>(all.subList(0, 100));
      for (int i = 0; i < 100; i++) {
        more.add(HASHER.hash("later-" + i));
      }
      Map<SubjectHash, SubjectKey> again = other.keysFor(more, GENERATE);
      assertThat(again).hasSize(200);
      for (SubjectHash s : all.subList(0, 100)) {
        assertThat(again.get(s)).isEqualTo(keys.get(s));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"batch-read", "shred-read"})
  void aShredRacingABatchOfItsSubjectWins(String raceAt) throws IOException {
    List<SubjectHash> batch = subjects(40);
    SubjectHash victim = batch.get(5);
    List<SubjectHash> others = new ArrayList<>(batch);
    others.remove(victim);
    AtomicBoolean raced = new AtomicBoolean();
    Map<SubjectHash, SubjectKey> keys = new HashMap<>();
    if (raceAt.equals("batch-read")) {
      // The batch has read the victim's bucket (no key, not erased) when another process shreds
      // the victim; the batch then publishes a key for it, and must notice the shred.
      SegmentSubjectRegistry writer =
          new SegmentSubjectRegistry(
              new LocalDirectoryStore(dir),
              1000,
              Duration.ofMinutes(1),
              step -> {
                if (step.equals("batch-read") && raced.compareAndSet(false, true)) {
                  try (SubjectKeyRegistry shredder = open("local")) {
                    shredder.shred(victim);
                  }
                }
              });
      keys.putAll(writer.keysFor(batch, GENERATE));
      writer.close();
      // The shred came first: the batch hands out no key for the victim.
      assertThat(keys).doesNotContainKey(victim);
    } else {
      // The shred has read the bucket when a batch (another process) publishes a key for the
      // victim and returns; the shred's rewrite does not hold that key, so its recheck must find
      // the new file and destroy the key.
      SegmentSubjectRegistry shredder =
          new SegmentSubjectRegistry(
              new LocalDirectoryStore(dir),
              1000,
              Duration.ofMinutes(1),
              step -> {
                if (step.equals("shred-read") && raced.compareAndSet(false, true)) {
                  try (SubjectKeyRegistry w = open("local")) {
                    keys.putAll(w.keysFor(batch, GENERATE));
                  }
                }
              });
      SubjectKeyRegistry.ShredResult r = shredder.shred(victim);
      shredder.close();
      // The batch came first: it got a key, which the shred then destroyed.
      assertThat(keys).containsKey(victim);
      assertThat(r.keysDestroyed()).isEqualTo(1);
      assertThat(stored(keys.get(victim).wrapped().bytes())).isFalse();
      keys.remove(victim);
    }
    assertThat(raced).isTrue();
    // Either way the shred wins: the victim reads as erased everywhere, no wrapped key of it is
    // left in storage, no key is made for it again; the batch's other subjects kept theirs.
    assertThat(keys.keySet()).containsExactlyInAnyOrderElementsOf(others);
    try (SubjectKeyRegistry reader = open("local")) {
      assertThat(reader.erased(victim)).isTrue();
      assertThat(reader.keysFor(List.of(victim), GENERATE)).isEmpty();
      SegmentSubjectRegistry raw =
          new SegmentSubjectRegistry(
              new LocalDirectoryStore(dir), 0, Duration.ZERO, SegmentSubjectRegistry.Steps.NONE);
      assertThat(raw.stateOf(victim).keys()).isEmpty();
      assertThat(raw.stateOf(victim).erasedAt()).isNotNull();
      for (SubjectHash s : others) {
        assertThat(reader.key(s, keys.get(s).dekId())).contains(keys.get(s));
      }
    }
  }

  /** Another subject in the same bucket as {@code s}. */
  private static SubjectHash neighbour(SubjectHash s) {
    for (int i = 0; ; i++) {
      SubjectHash n = HASHER.hash("neighbour-" + i);
      if (SubjectSegment.bucket(n) == SubjectSegment.bucket(s)) {
        return n;
      }
    }
  }

  @Test
  void writersCompactABucketThatCollectsManyFiles() throws IOException {
    SubjectHash first = HASHER.hash("first");
    List<SubjectHash> same = new ArrayList<>(List.of(first));
    for (int i = 0; same.size() < 40; i++) {
      SubjectHash n = HASHER.hash("same-bucket-" + i);
      if (SubjectSegment.bucket(n) == SubjectSegment.bucket(first)) {
        same.add(n);
      }
    }
    try (SubjectKeyRegistry registry = open("local")) {
      List<SubjectKey> made = new ArrayList<>();
      for (SubjectHash s : same) {
        made.addAll(registry.keysFor(List.of(s), GENERATE).values());
      }
      Path bucket =
          dir.resolve("subjects").resolve(SubjectSegment.bucketName(SubjectSegment.bucket(first)));
      try (Stream<Path> files = Files.list(bucket)) {
        assertThat(files.count()).isLessThan(SegmentSubjectRegistry.COMPACT_AT);
      }
      try (SubjectKeyRegistry other = open("local")) {
        for (SubjectKey k : made) {
          assertThat(other.key(k.subject(), k.dekId())).contains(k);
        }
      }
    }
  }

  @Test
  void aDamagedSegmentIsRefusedNamingTheFile() throws IOException {
    SubjectHash s = HASHER.hash("someone");
    try (SubjectKeyRegistry registry = open("local")) {
      registry.keysFor(List.of(s), GENERATE);
    }
    Path bucket =
        dir.resolve("subjects").resolve(SubjectSegment.bucketName(SubjectSegment.bucket(s)));
    Path file;
    try (Stream<Path> files = Files.list(bucket)) {
      file = files.findFirst().orElseThrow();
    }
    byte[] b = Files.readAllBytes(file);
    b[20] ^= 1;
    Files.write(file, b);
    try (SubjectKeyRegistry registry = open("local")) {
      assertThatThrownBy(() -> registry.key(s, 1))
          .hasMessageContaining(file.getFileName().toString())
          .hasMessageContaining("checksum");
    }
  }

  // Golden vectors: these bytes must never change (docs/format.md, "Subject keys").

  private static final String PRF_KEY = "golden subject PRF key: 32 bytes!";
  private static final String HASH_OF_USER_42 = "f3efefbce7a2242bbc05433c49079173";
  private static final String KEK_WRAPPED =
      "01056c6f63616c0006676f6c64656e0001310e4b454b2f4145533235362d4743"
          + "4d009a01005b01056c6f63616c0006676f6c64656e0001310a4145533235362d"
          + "47434d003cbe2d8f9c1543e9e3129f0c3e6175ec7c318dc8cc57e8fe5c4804a0"
          + "aba7f900ac1b0faefa23b6aaee1fb073196b49ff1052be4eeb05ee69e7e37176"
          + "adb8b7b4b15f79d0ca8f4d283854e2f64b07143dc41c7b896ebc43962b3cdf4b"
          + "bda13a451019a4e277494da07b0ca65455b75f77fcd26b46b020373678";
  private static final String KEK_DEK =
      "cd91a2d12e0acf3a364d88f72a6b27ff74691e1eb83e523494d239a1175b7328";
  private static final String SEGMENT =
      "50534b53010f3e0000000202f3efefbce7a2242b43fabcc3b6f86e8c000001a2340d0c0001f3efefbce7a224"
          + "2bbc05433c490791730102030405060708000001a22ee6b00000bd01056c6f63616c0006676f6c64656e0001"
          + "310e4b454b2f4145533235362d47434d009a01005b01056c6f63616c0006676f6c64656e0001310a41455332"
          + "35362d47434d003cbe2d8f9c1543e9e3129f0c3e6175ec7c318dc8cc57e8fe5c4804a0aba7f900ac1b0faefa"
          + "23b6aaee1fb073196b49ff1052be4eeb05ee69e7e37176adb8b7b4b15f79d0ca8f4d283854e2f64b07143dc4"
          + "1c7b896ebc43962b3cdf4bbda13a451019a4e277494da07b0ca65455b75f77fcd26b46b02037367879c0b7c7";

  @Test
  void subjectHashV1() {
    SubjectHasher h = SubjectHasher.of(PRF_KEY.getBytes(StandardCharsets.UTF_8));
    assertThat(h.hash("user-42").hex()).isEqualTo(HASH_OF_USER_42);
    assertThatThrownBy(() -> SubjectHasher.of(new byte[31]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void subjectSegmentV1() throws Exception {
    SubjectHash user42 = SubjectHash.parse(HASH_OF_USER_42);
    int bucket = SubjectSegment.bucket(user42);
    SubjectHash erased = new SubjectHash(user42.high(), ~user42.low());
    SubjectKey key =
        new SubjectKey(
            user42,
            0x0102030405060708L,
            Instant.parse("2026-12-01T00:00:00Z"),
            WrappedKeyCodec.fromBinary(HEX.parseHex(KEK_WRAPPED)));
    byte[] encoded =
        SubjectSegment.encode(
            bucket,
            List.of(
                SubjectSegment.Entry.erased(erased, Instant.parse("2026-12-02T00:00:00Z")),
                SubjectSegment.Entry.key(key)));
    assertThat(HEX.formatHex(encoded)).isEqualTo(SEGMENT);
    List<SubjectSegment.Entry> decoded =
        SubjectSegment.decode("golden", "golden.seg", bucket, HEX.parseHex(SEGMENT));
    assertThat(decoded).hasSize(2);
    SubjectKey read = decoded.stream().filter(e -> e.key() != null).findFirst().orElseThrow().key();
    assertThat(read).isEqualTo(key);
    assertThat(key.referenceBytes()).isEqualTo(HEX.parseHex(HASH_OF_USER_42 + "0102030405060708"));
    Path store = dir.resolve("local-keys.p12");
    try (InputStream in = getClass().getResourceAsStream("/golden/local-keys.p12")) {
      Files.copy(in, store);
    }
    try (LocalKms local = LocalKms.open(store, "golden".toCharArray(), false);
        KekKms kek = new KekKms(local, KekConfig.DEFAULTS);
        DataKey dek = KmsCalls.await(kek.unwrap(read.wrapped()))) {
      String material = dek.withMaterial(b -> HEX.formatHex(b));
      assertThat(material).isEqualTo(KEK_DEK);
    }
  }
}
