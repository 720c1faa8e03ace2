package dev.pipeseal.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.crypto.envelope.EnvelopeEncryptor;
import dev.pipeseal.crypto.key.KeyDestroyedException;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.SubjectErasedException;
import dev.pipeseal.kms.registry.SubjectHash;
import dev.pipeseal.kms.registry.SubjectHasher;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import dev.pipeseal.registry.KeyRegistries;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executor-wide open encryptors of subjects, over the local key store and a local registry:
 * leases share one encryptor, writer streams move between threads, shreds are seen after the ttl.
 */
class SubjectEncryptorsTest {
  private static final EnvelopeContext CTX = EnvelopeContext.of("db.users.ssn");
  private static final SubjectHasher HASHER =
      SubjectHasher.of("test-only subject PRF key, 32+ bytes".getBytes(StandardCharsets.UTF_8));
  private static final Duration TTL = Duration.ofMinutes(1);

  @TempDir Path dir;
  private KmsBridge kms;
  private KeyRegistry registry;
  private SubjectKeyRegistry subjects;
  private EnvelopeKeys keys;
  private final AtomicLong clock = new AtomicLong();

  @BeforeEach
  void open() throws Exception {
    Path pass = dir.resolve("pass");
    Files.writeString(pass, "secret\n");
    kms =
        KmsBridge.open(
            Map.of(
                "pipeseal.kms.uri",
                "local://" + dir.resolve("keys.p12"),
                "pipeseal.kms.provider.password",
                "file:" + pass,
                "pipeseal.kms.provider.create",
                "true",
                "pipeseal.kms.audit.sink",
                "none"));
    kms.admin().orElseThrow().createKey("pii");
    registry = KeyRegistries.open(dir.resolve("registry"));
    // No registry cache: the test's clock, not the registry's, decides when entries are rechecked.
    subjects =
        KeyRegistries.openSubjects(
            dir.resolve("registry").toString(), Map.of("registry.subject-cache-size", "0"));
    keys = EnvelopeKeys.withSubjects(kms, registry, subjects);
  }

  @AfterEach
  void close() throws Exception {
    subjects.close();
    registry.close();
    kms.close();
  }

  private SubjectEncryptors encryptors(int max) {
    return new SubjectEncryptors(keys, max, TTL, clock::get);
  }

  private byte[] seal(EnvelopeEncryptor.Writer w, String text) {
    byte[] pt = text.getBytes(StandardCharsets.UTF_8);
    return w.encrypt(pt, 0, pt.length, CTX);
  }

  private String open(byte[] envelope) {
    try (EnvelopeReader reader = new EnvelopeReader(keys)) {
      return new String(reader.decrypt(envelope, CTX), StandardCharsets.UTF_8);
    }
  }

  @Test
  void leasesShareOneEncryptorAndHandWriterStreamsFromTaskToTask() throws Exception {
    SubjectHash alice = HASHER.hash("alice");
    try (SubjectEncryptors enc = encryptors(100)) {
      byte[] first;
      EnvelopeEncryptor shared;
      try (SubjectEncryptors.Lease lease = enc.lease(alice, Algorithm.XAES_256_GCM, "pii")) {
        shared = lease.encryptor();
        first = seal(lease.writer(8), "123-45-6789");
        assertThat(lease.key().subject()).isEqualTo(alice);
      }
      assertThat(open(first)).isEqualTo("123-45-6789");
      // The next "task", on another thread, gets the same encryptor and continues the stream.
      byte[][] second = new byte[1][];
      EnvelopeEncryptor[] seen = new EnvelopeEncryptor[1];
      Thread task =
          new Thread(
              () -> {
                try (SubjectEncryptors.Lease lease =
                    enc.lease(alice, Algorithm.XAES_256_GCM, "pii")) {
                  seen[0] = lease.encryptor();
                  second[0] = seal(lease.writer(8), "987-65-4321");
                }
              });
      task.start();
      task.join();
      assertThat(seen[0]).isSameAs(shared);
      assertThat(open(second[0])).isEqualTo("987-65-4321");
      int prefix = first.length - "123-45-6789".length() - 16 - 24;
      assertThat(Arrays.copyOfRange(second[0], prefix, prefix + 20))
          .isEqualTo(Arrays.copyOfRange(first, prefix, prefix + 20));
      assertThat(Arrays.copyOfRange(second[0], prefix, prefix + 24))
          .isNotEqualTo(Arrays.copyOfRange(first, prefix, prefix + 24));
      assertThat(enc.size()).isEqualTo(1);
    }
  }

  @Test
  void aBatchOfLeasesCreatesMissingKeysAndAnEvictedEntryLivesUntilItsLastLease() {
    List<SubjectHash> many = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      many.add(HASHER.hash("user-" + i));
    }
    try (SubjectEncryptors enc = encryptors(10)) {
      Map<SubjectHash, SubjectEncryptors.Lease> leases =
          enc.leaseAll(many, Algorithm.XAES_256_GCM, "pii");
      assertThat(leases).hasSize(50);
      assertThat(enc.size()).isEqualTo(10); // bounded; the other 40 live only in their leases
      for (SubjectHash s : many) {
        SubjectEncryptors.Lease l = leases.get(s);
        assertThat(open(seal(l.writer(4), "v-" + s.hex()))).isEqualTo("v-" + s.hex());
      }
      SubjectEncryptors.Lease evicted = leases.get(many.get(0));
      EnvelopeEncryptor.Writer w = evicted.writer(4);
      leases.values().forEach(SubjectEncryptors.Lease::close);
      // Its last holder let go: the key is released, the stream refuses to seal.
      assertThatThrownBy(() -> seal(w, "late")).isInstanceOf(KeyDestroyedException.class);
    }
  }

  @Test
  void aShredElsewhereStopsNewLeasesOnceTheTtlHasPassed() {
    SubjectHash bob = HASHER.hash("bob");
    SubjectHash carol = HASHER.hash("carol");
    try (SubjectEncryptors enc = encryptors(100)) {
      enc.leaseAll(List.of(bob, carol), Algorithm.XAES_256_GCM, "pii")
          .values()
          .forEach(SubjectEncryptors.Lease::close);
      try (SubjectKeyRegistry other =
          KeyRegistries.openSubjects(dir.resolve("registry").toString(), Map.of())) {
        other.shred(bob);
      }
      // Within the ttl the open encryptor is trusted, as the registry's own cache would be.
      enc.lease(bob, Algorithm.XAES_256_GCM, "pii").close();
      clock.addAndGet(TTL.toNanos() + 1);
      assertThatThrownBy(() -> enc.lease(bob, Algorithm.XAES_256_GCM, "pii"))
          .isInstanceOf(SubjectErasedException.class)
          .hasMessageContaining(bob.hex());
      // Carol was rechecked in the same registry call and is still served.
      try (SubjectEncryptors.Lease l = enc.lease(carol, Algorithm.XAES_256_GCM, "pii")) {
        assertThat(open(seal(l.writer(4), "ok"))).isEqualTo("ok");
      }
      assertThat(enc.size()).isEqualTo(1);
    }
  }
}
