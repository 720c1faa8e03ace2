package dev.pipeseal.kms.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.fake.FakeKms;
import dev.pipeseal.kms.json.FlatJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@SuppressWarnings("try") // AuditContext scopes are used only for their side effect
class AuditingKmsTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-01-02T03:04:05.123Z"), ZoneOffset.UTC);

  @TempDir Path dir;

  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final AuditSink collecting = e -> lines.add(e.toJson());

  private AuditingKms audited(FakeKms fake, AuditSink sink) {
    return new AuditingKms(fake, new AuditLog(sink, "alice", "job:nightly", CLOCK));
  }

  @Test
  void oneValidJsonLinePerOperationWithoutKeyBytes() {
    FakeKms fake = new FakeKms("pii");
    List<String> secrets = new ArrayList<>();
    try (AuditingKms kms = audited(fake, collecting)) {
      WrappedKey w;
      try (AuditContext.Scope ignored = AuditContext.with("spark:db.table.col");
          DataKeyPair pair = kms.generateDataKey("pii").toCompletableFuture().join()) {
        w = pair.wrapped();
        byte[] dek = pair.plaintext().withMaterial(byte[]::clone);
        secrets.add(HexFormat.of().formatHex(dek));
        secrets.add(Base64.getEncoder().encodeToString(dek));
        secrets.add(HexFormat.of().formatHex(w.bytes()));
        secrets.add(Base64.getEncoder().encodeToString(w.bytes()));
        try (DataKey back = kms.unwrap(w).toCompletableFuture().join()) {
          assertThat(back.isDestroyed()).isFalse();
        }
      }
      assertThat(AuditContext.current()).isNull();
      fake.rotate("pii");
      kms.rewrap(w).toCompletableFuture().join();
      kms.rewrapAll(List.of(w, w)).toCompletableFuture().join();
      assertThatThrownBy(() -> kms.generateDataKey("nope").toCompletableFuture().join())
          .isInstanceOf(CompletionException.class);
    }

    assertThat(lines).hasSize(6);
    List<Map<String, Object>> events = new ArrayList<>();
    for (String line : lines) {
      assertThat(line).doesNotContain("\n");
      for (String secret : secrets) {
        assertThat(line).doesNotContain(secret);
      }
      events.add(FlatJson.parse(line));
    }
    assertThat(events.get(0))
        .containsEntry("time", "2026-01-02T03:04:05.123Z")
        .containsEntry("principal", "alice")
        .containsEntry("provider", "fake")
        .containsEntry("key", "pii")
        .containsEntry("version", "1")
        .containsEntry("op", "generate")
        .containsEntry("outcome", "ok")
        .containsEntry("context", "spark:db.table.col");
    assertThat(events.get(1)).containsEntry("op", "unwrap").containsEntry("outcome", "ok");
    assertThat(events.get(2))
        .containsEntry("op", "rewrap")
        .containsEntry("version", "1")
        .containsEntry("toVersion", "2")
        .containsEntry("context", "job:nightly");
    assertThat(events.get(3)).containsEntry("op", "rewrap");
    assertThat(events.get(4)).containsEntry("op", "rewrap");
    assertThat(events.get(5))
        .containsEntry("op", "generate")
        .containsEntry("key", "nope")
        .containsEntry("outcome", "UnknownKeyException")
        .containsEntry("version", null);
  }

  @Test
  void contextIsCapturedOnTheCallingThread() throws Exception {
    FakeKms fake = new FakeKms("pii");
    fake.hold();
    try (AuditingKms kms = audited(fake, collecting)) {
      java.util.concurrent.CompletableFuture<DataKeyPair> f;
      try (AuditContext.Scope ignored = AuditContext.with("kafka:orders.card")) {
        f = kms.generateDataKey("pii").toCompletableFuture();
      }
      fake.release(); // completes on another thread
      f.join().close();
    }
    assertThat(FlatJson.parse(lines.get(0))).containsEntry("context", "kafka:orders.card");
  }

  @Test
  void failsClosedWhenTheSinkFails() {
    FakeKms fake = new FakeKms("pii");
    List<DataKeyPair> produced = new ArrayList<>();
    AuditSink broken =
        e -> {
          throw new java.io.UncheckedIOException(new java.io.IOException("disk full"));
        };
    try (AuditingKms kms = audited(fake, broken)) {
      fake.park(true);
      java.util.concurrent.CompletableFuture<DataKeyPair> f =
          kms.generateDataKey("pii").toCompletableFuture();
      fake.releaseParked();
      produced.add((DataKeyPair) fake.released.get(0));
      assertThatThrownBy(f::join)
          .hasCauseInstanceOf(KmsException.class)
          .hasMessageContaining("audit");
    }
    assertThat(produced.get(0).plaintext().isDestroyed()).isTrue();
  }

  @Test
  void destroyEventsCarryReason() {
    new AuditLog(collecting, null, null, CLOCK)
        .destroyed(new WrappedKey("local", "pii", "3", "AES256-GCM", new byte[] {1, 2}), "expired");
    Map<String, Object> e = FlatJson.parse(lines.get(0));
    assertThat(e)
        .containsEntry("op", "destroy")
        .containsEntry("reason", "expired")
        .containsEntry("version", "3")
        .containsEntry("principal", System.getProperty("user.name"));
  }

  @Test
  void fileSinkAppendsOneLinePerEvent() throws Exception {
    Path file = dir.resolve("audit/kms-audit.jsonl");
    FakeKms fake = new FakeKms("pii");
    try (AuditingKms kms = audited(fake, new FileAuditSink(file))) {
      kms.generateDataKey("pii").toCompletableFuture().join().close();
    }
    try (AuditingKms kms = audited(fake, new FileAuditSink(file))) {
      kms.generateDataKey("pii").toCompletableFuture().join().close();
      kms.generateDataKey("pii").toCompletableFuture().join().close();
    }
    List<String> written = Files.readAllLines(file);
    assertThat(written).hasSize(3);
    assertThat(written)
        .allSatisfy(l -> assertThat(FlatJson.parse(l)).containsEntry("op", "generate"));
  }

  @Test
  void slf4jSinkUsesAuditLogger() {
    assertThat(Slf4jAuditSink.LOGGER).isEqualTo("pipeseal.audit");
    new Slf4jAuditSink()
        .write(
            new AuditEvent(
                CLOCK.instant(), "a", "fake", "pii", "1", "unwrap", "ok", null, null, null));
  }
}
