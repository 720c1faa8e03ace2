package dev.pipeseal.kms.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed server certificate for localhost, 127.0.0.1 and 127.0.0.2 (made with the JDK's
 * keytool) and a client trust store holding it, whose password is in a file so client config can
 * refer to it as {@code file:/path}.
 */
final class SelfSignedTls {
  final Path serverKeyStore;
  final String serverPassword;
  final Path trustStore;
  final String trustStorePassword;
  final Path trustStorePasswordFile;

  private SelfSignedTls(Path dir) {
    this.serverKeyStore = dir.resolve("server.jks");
    this.serverPassword = randomPassword();
    this.trustStore = dir.resolve("truststore.jks");
    this.trustStorePassword = randomPassword();
    this.trustStorePasswordFile = dir.resolve("truststore.password");
  }

  static SelfSignedTls create(Path dir) throws IOException {
    Files.createDirectories(dir);
    SelfSignedTls t = new SelfSignedTls(dir);
    Path cert = dir.resolve("kms.crt");
    keytool(
        "-genkeypair",
        "-alias",
        "kms",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-validity",
        "7",
        "-dname",
        "CN=localhost",
        "-ext",
        "SAN=dns:localhost,ip:127.0.0.1,ip:127.0.0.2",
        "-keystore",
        t.serverKeyStore.toString(),
        "-storetype",
        "JKS",
        "-storepass",
        t.serverPassword,
        "-keypass",
        t.serverPassword);
    keytool(
        "-exportcert",
        "-alias",
        "kms",
        "-keystore",
        t.serverKeyStore.toString(),
        "-storepass",
        t.serverPassword,
        "-file",
        cert.toString());
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "kms",
        "-file",
        cert.toString(),
        "-keystore",
        t.trustStore.toString(),
        "-storetype",
        "JKS",
        "-storepass",
        t.trustStorePassword);
    Files.writeString(t.trustStorePasswordFile, t.trustStorePassword);
    return t;
  }

  /** A server TLS context presenting this certificate. */
  SSLContext serverContext() {
    try (InputStream in = Files.newInputStream(serverKeyStore)) {
      KeyStore ks = KeyStore.getInstance("JKS");
      ks.load(in, serverPassword.toCharArray());
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, serverPassword.toCharArray());
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot load test server key store", e);
    }
  }

  /** A client TLS context that trusts only this certificate. */
  SSLContext clientContext() {
    try (InputStream in = Files.newInputStream(trustStore)) {
      KeyStore ks = KeyStore.getInstance("JKS");
      ks.load(in, trustStorePassword.toCharArray());
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot load test trust store", e);
    }
  }

  static String randomPassword() {
    byte[] b = new byte[12];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static void keytool(String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException("keytool " + args[0] + " failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
