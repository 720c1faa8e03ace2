package dev.pipeseal.kms.aws;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pipeseal.kms.testing.MotoServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** A moto server for one test class, and the provider settings that point at it. */
final class Moto {
  static final String REGION = "us-east-1";

  private Moto() {}

  /** Starts moto, or skips the test with a message when it is not installed outside CI. */
  static MotoServer start(Path dir) throws IOException {
    Optional<MotoServer> server = MotoServer.startIfInstalled(dir);
    assumeTrue(server.isPresent(), MotoServer.MISSING);
    return server.get();
  }

  /** Provider settings: endpoint override and dummy static credentials given by reference. */
  static Map<String, String> settings(MotoServer moto, Path dir) throws IOException {
    Path id = dir.resolve("aws-access-key-id");
    Path secret = dir.resolve("aws-secret-access-key");
    Files.writeString(id, "testing\n");
    Files.writeString(secret, "testing\n");
    Map<String, String> s = new HashMap<>();
    s.put("endpoint", moto.endpoint().toString());
    s.put("access-key-id", "file:" + id);
    s.put("secret-access-key", "file:" + secret);
    s.put("api-call-timeout", "10s");
    return s;
  }

  /** The same as bridge properties under {@code pipeseal.kms.}. */
  static Map<String, String> bridgeProperties(MotoServer moto, Path dir) throws IOException {
    Map<String, String> p = new HashMap<>();
    p.put("pipeseal.kms.uri", "aws-kms://" + REGION);
    settings(moto, dir).forEach((k, v) -> p.put("pipeseal.kms.provider." + k, v));
    p.remove("pipeseal.kms.provider.api-call-timeout");
    p.put("pipeseal.kms.timeout", "10s");
    p.put("pipeseal.kms.retries", "1");
    p.put("pipeseal.kms.audit.sink", "none");
    return p;
  }
}
