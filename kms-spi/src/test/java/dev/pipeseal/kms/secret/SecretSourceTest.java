package dev.pipeseal.kms.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.kms.KmsConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretSourceTest {
  @TempDir Path dir;

  private final SecretSource secrets =
      SecretSource.withEnvironment(n -> n.equals("PW") ? "s3cret" : null);

  @Test
  void envReference() {
    assertThat(secrets.resolve("env:PW", "local", "password"))
        .containsExactly("s3cret".toCharArray());
    assertThatThrownBy(() -> secrets.resolve("env:MISSING", "local", "password"))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("MISSING");
  }

  @Test
  void fileReferenceTrimsOneTrailingNewline() throws Exception {
    Path f = dir.resolve("pw");
    Files.writeString(f, "s3cret\n");
    assertThat(secrets.resolve("file:" + f, "local", "password"))
        .containsExactly("s3cret".toCharArray());
    Files.writeString(f, "s3cret\r\n");
    assertThat(secrets.resolve("file:" + f, "local", "password"))
        .containsExactly("s3cret".toCharArray());
    Files.writeString(f, " s3cret \n\n");
    assertThat(new String(secrets.resolve("file:" + f, "local", "password")))
        .isEqualTo(" s3cret \n");
    Files.writeString(f, "\n");
    assertThatThrownBy(() -> secrets.resolve("file:" + f, "local", "password"))
        .isInstanceOf(KmsConfigException.class);
    assertThatThrownBy(() -> secrets.resolve("file:" + dir.resolve("none"), "local", "password"))
        .isInstanceOf(KmsConfigException.class);
  }

  @Test
  void inlineSecretRefusedWithoutEcho() {
    assertThatThrownBy(() -> secrets.resolve("hunter2", "local", "password"))
        .isInstanceOf(KmsConfigException.class)
        .message()
        .doesNotContain("hunter2");
    assertThatThrownBy(() -> secrets.resolve(null, "local", "password"))
        .isInstanceOf(KmsConfigException.class);
  }
}
