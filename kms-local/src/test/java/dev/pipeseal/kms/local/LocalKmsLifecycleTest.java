package dev.pipeseal.kms.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.VersionRetirement;
import dev.pipeseal.kms.WrappedKey;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Version creation times and retirement of the local key store. */
class LocalKmsLifecycleTest {
  private static final char[] PASSWORD = "correct horse".toCharArray();

  @TempDir Path dir;

  @Test
  void recordsWhenEachVersionWasCreatedAcrossReopening() {
    Instant before = Instant.now().minusSeconds(1);
    MasterKeyInfo first;
    try (LocalKms kms = LocalKms.open(dir.resolve("keys.p12"), PASSWORD, true)) {
      first = kms.createKey("pii");
      kms.rotateKey("pii");
    }
    try (LocalKms kms = LocalKms.open(dir.resolve("keys.p12"), PASSWORD, false)) {
      MasterKeyInfo info = kms.describe("pii").toCompletableFuture().join();
      assertThat(info.createdAt("1")).contains(first.created().get("1"));
      assertThat(info.createdAt("1").orElseThrow()).isAfter(before);
      assertThat(info.createdAt("2").orElseThrow()).isAfterOrEqualTo(info.createdAt("1").get());
    }
  }

  @Test
  void retiredVersionNoLongerUnwrapsAndTheCurrentOneIsRefused() {
    try (LocalKms kms = LocalKms.open(dir.resolve("keys.p12"), PASSWORD, true)) {
      kms.createKey("pii");
      VersionRetirement retire = ((KmsAdmin) kms).capability(VersionRetirement.class).orElseThrow();
      WrappedKey old;
      try (DataKeyPair pair = kms.generateDataKey("pii").toCompletableFuture().join()) {
        old = pair.wrapped();
      }
      assertThatThrownBy(() -> retire.retireVersion("pii", "1"))
          .isInstanceOf(KmsException.class)
          .hasMessageContaining("current version");
      kms.rotateKey("pii");
      assertThat(retire.retireVersion("pii", "1").versions()).containsExactly("2");
      assertThatThrownBy(() -> kms.unwrap(old).toCompletableFuture().join())
          .hasCauseInstanceOf(UnknownKeyException.class)
          .hasMessageContaining("version 1 does not exist");
      assertThatThrownBy(() -> retire.retireVersion("pii", "1"))
          .isInstanceOf(UnknownKeyException.class);
      // A new version is numbered after the highest ever: never a reused number.
      assertThat(kms.rotateKey("pii").currentVersion()).isEqualTo("3");
      try (DataKeyPair pair = kms.generateDataKey("pii").toCompletableFuture().join()) {
        assertThat(pair.wrapped().masterKeyVersion()).isEqualTo("3");
      }
    }
  }
}
