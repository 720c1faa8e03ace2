package dev.pipeseal.kms.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.kms.AccessDeniedException;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsProviders;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.UnknownKeyException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.kms.model.InvalidCiphertextException;
import software.amazon.awssdk.services.kms.model.KmsException;
import software.amazon.awssdk.services.kms.model.NotFoundException;

/** URI and settings parsing, name mapping and error classification; no server needed. */
class AwsKmsConfigTest {
  static AwsKmsConfig parse(String uri, Map<String, String> settings) {
    return AwsKmsConfig.parse(URI.create(uri), settings);
  }

  @Test
  void regionComesFromTheUriOrTheSettings() {
    assertThat(parse("aws-kms://eu-west-1", Map.of()).region()).isEqualTo("eu-west-1");
    assertThat(parse("aws-kms:///", Map.of("region", "us-gov-west-1")).region())
        .isEqualTo("us-gov-west-1");
    assertThat(parse("aws-kms:///", Map.of()).region()).isNull();
    AwsKmsConfig c = parse("aws-kms://eu-west-1", Map.of());
    assertThat(c.maxAttempts()).isEqualTo(1);
    assertThat(c.apiCallTimeout()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void theBridgeTimeoutIsTheApiCallTimeoutUnlessSet() {
    assertThat(parse("aws-kms://eu-west-1", Map.of("bridge.timeout", "2500ms")).apiCallTimeout())
        .isEqualTo(Duration.ofMillis(2500));
    assertThat(
            parse(
                    "aws-kms://eu-west-1",
                    Map.of("bridge.timeout", "2500ms", "api-call-timeout", "4s"))
                .apiCallTimeout())
        .isEqualTo(Duration.ofSeconds(4));
  }

  @Test
  void malformedUrisAndSettingsAreRefusedNamingTheProvider() {
    for (String bad :
        new String[] {
          "aws-kms://not_a_region",
          "aws-kms://eu-west-1/alias/pii",
          "aws-kms://eu-west-1:443",
          "aws-kms://eu-west-1?endpoint=http://x",
          "aws-kms://user@eu-west-1",
          "aws-kms://EUROPE",
        }) {
      assertThatThrownBy(() -> KmsProviders.open(bad, Map.of()))
          .as(bad)
          .isInstanceOf(KmsConfigException.class)
          .hasMessageStartingWith("[aws-kms]");
    }
    assertThatThrownBy(() -> parse("aws-kms://eu-west-1", Map.of("region", "us-east-1")))
        .hasMessageContaining("contradicts");
    assertThatThrownBy(() -> parse("aws-kms://eu-west-1", Map.of("endpoint", "ftp://x")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("endpoint");
    assertThatThrownBy(() -> parse("aws-kms://eu-west-1", Map.of("access-key-id", "env:X")))
        .hasMessageContaining("set together");
    assertThatThrownBy(() -> parse("aws-kms://eu-west-1", Map.of("max-attempts", "0")))
        .hasMessageContaining("max-attempts");
    assertThatThrownBy(() -> parse("aws-kms://eu-west-1", Map.of("api-call-timeout", "soon")))
        .hasMessageContaining("api-call-timeout");
    // Inline secrets are refused when the client is built, before any call.
    assertThatThrownBy(
            () ->
                KmsProviders.open(
                    "aws-kms://eu-west-1",
                    Map.of("access-key-id", "AKIAEXAMPLE", "secret-access-key", "inline")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("access-key-id")
        .hasMessageNotContaining("inline");
  }

  @Test
  void bareNamesMeanAliases() {
    assertThat(AwsKms.keyId("pii")).isEqualTo("alias/pii");
    assertThat(AwsKms.keyId("alias/pii")).isEqualTo("alias/pii");
    assertThat(AwsKms.keyId("1234abcd-12ab-34cd-56ef-1234567890ab"))
        .isEqualTo("1234abcd-12ab-34cd-56ef-1234567890ab");
    assertThat(AwsKms.keyId("mrk-1234abcd12ab34cd56ef1234567890ab")).startsWith("mrk-");
    String arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    assertThat(AwsKms.keyId(arn)).isEqualTo(arn);
    assertThatThrownBy(() -> AwsKms.keyId("bad name!"))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("'bad name!'");
    // Bare names follow MasterKeyNames, narrowed: no '.' in AWS alias names.
    assertThatThrownBy(() -> AwsKms.keyId("pii.v2"))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("cannot contain '.'");
    assertThatThrownBy(() -> AwsKms.keyId("x".repeat(129)))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("1-128");
    assertThatThrownBy(() -> AwsKms.keyId("team/pii"))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("a bare name means alias/NAME");
    assertThat(AwsKms.keyId("alias/team/pii")).isEqualTo("alias/team/pii");
  }

  @Test
  void settingsAreDeclaredSoThatATypoIsRefusedWithTheNearestName() {
    assertThat(new AwsKmsService().properties().title()).isEqualTo("AWS KMS provider");
    assertThatThrownBy(
            () ->
                dev.pipeseal.kms.KmsProviders.open(
                    java.net.URI.create("aws-kms://eu-west-1"),
                    Map.of("endpont", "http://127.0.0.1:1")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("endpont")
        .hasMessageContaining("endpoint");
  }

  @Test
  void awsErrorsMapToTypedErrorsNamingTheKey() {
    assertThat(AwsErrors.map(NotFoundException.builder().message("x").build(), "pii", "unwrap"))
        .isInstanceOf(UnknownKeyException.class)
        .hasMessageStartingWith("[aws-kms key 'pii'] unwrap failed");
    assertThat(AwsErrors.map(InvalidCiphertextException.builder().build(), "pii", "unwrap"))
        .isInstanceOf(InvalidWrappedKeyException.class);
    assertThat(AwsErrors.map(error(400, "UnrecognizedClientException"), "pii", "unwrap"))
        .isInstanceOf(AccessDeniedException.class);
    assertThat(AwsErrors.map(error(400, "AccessDeniedException"), "pii", "unwrap"))
        .isInstanceOf(AccessDeniedException.class);
    assertThat(AwsErrors.map(error(400, "ThrottlingException"), "pii", "unwrap"))
        .isInstanceOf(KmsUnavailableException.class);
    assertThat(AwsErrors.map(error(503, "ServiceUnavailable"), "pii", "unwrap"))
        .isInstanceOf(KmsUnavailableException.class);
    assertThat(AwsErrors.map(error(400, "ValidationException"), "pii", "unwrap"))
        .isInstanceOf(KmsConfigException.class);
    assertThat(
            AwsErrors.map(
                SdkClientException.create(
                    "Unable to load credentials from any of the providers in the chain"),
                "pii",
                "generate data key"))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("no AWS credentials");
    assertThat(
            AwsErrors.map(
                SdkClientException.create(
                    "Unable to execute HTTP request", new java.net.ConnectException("refused")),
                "pii",
                "unwrap"))
        .isInstanceOf(KmsUnavailableException.class);
  }

  private static KmsException error(int status, String code) {
    return (KmsException)
        KmsException.builder()
            .statusCode(status)
            .awsErrorDetails(
                AwsErrorDetails.builder().errorCode(code).errorMessage("refused").build())
            .build();
  }
}
