package dev.pipeseal.kms.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.crypto.TruncatedCiphertextException;
import dev.pipeseal.crypto.aead.AuthenticationFailedException;
import dev.pipeseal.crypto.envelope.MalformedEnvelopeException;
import dev.pipeseal.crypto.envelope.UnknownAlgorithmException;
import dev.pipeseal.crypto.envelope.UnknownKeyReferenceKindException;
import dev.pipeseal.crypto.envelope.UnsupportedEnvelopeVersionException;
import dev.pipeseal.crypto.key.KeyDestroyedException;
import dev.pipeseal.kms.AccessDeniedException;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.registry.CorruptRecordException;
import dev.pipeseal.kms.registry.SubjectErasedException;
import dev.pipeseal.kms.registry.SubjectHash;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Kinds come from the exception types, through any wrapping, never from messages. */
class DecryptFailureKindTest {
  @Test
  void eachTypedExceptionMapsToItsKind() {
    assertThat(DecryptFailureKind.of(new AuthenticationFailedException("x")))
        .isEqualTo(DecryptFailureKind.AUTHENTICATION_FAILED);
    assertThat(DecryptFailureKind.of(new TruncatedCiphertextException("x")))
        .isEqualTo(DecryptFailureKind.TRUNCATED);
    assertThat(DecryptFailureKind.of(new MalformedEnvelopeException("x")))
        .isEqualTo(DecryptFailureKind.MALFORMED);
    assertThat(DecryptFailureKind.of(new UnknownAlgorithmException("x")))
        .isEqualTo(DecryptFailureKind.MALFORMED);
    assertThat(DecryptFailureKind.of(new UnknownKeyReferenceKindException("x")))
        .isEqualTo(DecryptFailureKind.MALFORMED);
    assertThat(DecryptFailureKind.of(new UnsupportedEnvelopeVersionException("x")))
        .isEqualTo(DecryptFailureKind.UNSUPPORTED_VERSION);
    assertThat(DecryptFailureKind.of(new UnknownKeyException("p", "k", "x")))
        .isEqualTo(DecryptFailureKind.UNKNOWN_KEY);
    assertThat(
            DecryptFailureKind.of(
                new SubjectErasedException("loc", SubjectHash.parse("00".repeat(16)), null)))
        .as("a subclass of UnknownKeyException keeps its own kind")
        .isEqualTo(DecryptFailureKind.SUBJECT_ERASED);
    assertThat(DecryptFailureKind.of(new InvalidWrappedKeyException("p", "k", "x")))
        .isEqualTo(DecryptFailureKind.INVALID_WRAPPED_KEY);
    assertThat(DecryptFailureKind.of(new AccessDeniedException("p", "k", "x")))
        .isEqualTo(DecryptFailureKind.ACCESS_DENIED);
    assertThat(DecryptFailureKind.of(new KmsUnavailableException("p", "k", "x")))
        .isEqualTo(DecryptFailureKind.KMS_UNAVAILABLE);
    assertThat(DecryptFailureKind.of(new CorruptRecordException("loc", null, 1, "x", null)))
        .isEqualTo(DecryptFailureKind.REGISTRY);
    assertThat(DecryptFailureKind.of(new KmsConfigException("p", "k", "x")))
        .isEqualTo(DecryptFailureKind.OTHER);
    assertThat(DecryptFailureKind.of(new KeyDestroyedException("x")))
        .isEqualTo(DecryptFailureKind.OTHER);
    assertThat(DecryptFailureKind.of(new IllegalStateException("authentication failed")))
        .as("no message matching")
        .isEqualTo(DecryptFailureKind.OTHER);
  }

  @Test
  void wrappersAreLookedThrough() {
    RuntimeException wrapped =
        new IllegalStateException(
            "outer", new CompletionException(new KmsUnavailableException("p", "k", "throttled")));
    assertThat(DecryptFailureKind.of(wrapped)).isEqualTo(DecryptFailureKind.KMS_UNAVAILABLE);
  }

  @Test
  void childCountsIntoTheJvmAndContextsAreCapped() {
    DecryptFailures child = DecryptFailures.child();
    long before = DecryptFailures.jvm().count(DecryptFailureKind.MALFORMED);
    for (int i = 0; i < DecryptFailures.MAX_WHERE + 50; i++) {
      child.record(new MalformedEnvelopeException("x"), "cap-test-" + i);
    }
    assertThat(child.count(DecryptFailureKind.MALFORMED)).isEqualTo(DecryptFailures.MAX_WHERE + 50);
    assertThat(DecryptFailures.jvm().count(DecryptFailureKind.MALFORMED) - before)
        .isEqualTo(DecryptFailures.MAX_WHERE + 50);
    long series =
        DecryptFailures.jvm().samples().stream()
            .filter(s -> "malformed".equals(s.labels().get("kind")))
            .count();
    assertThat(series).isLessThanOrEqualTo(DecryptFailures.MAX_WHERE + 1);
    assertThat(DecryptFailures.jvm().samples())
        .anyMatch(
            s ->
                DecryptFailures.OVERFLOW.equals(s.labels().get("where"))
                    && "malformed".equals(s.labels().get("kind")));
    assertThat(child.samples())
        .singleElement()
        .satisfies(s -> assertThat(s.labels()).doesNotContainKey("where"));
  }
}
