package dev.pipeseal.kms.testing;

import dev.pipeseal.kms.testing.HadoopKmsServer.KeyOp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes the KMS configuration directory that {@code KmsServerMain} reads. */
final class KmsConfFiles {
  private static final List<String> SERVER_OPS =
      List.of(
          "CREATE",
          "DELETE",
          "ROLLOVER",
          "GET",
          "GET_KEYS",
          "GET_METADATA",
          "SET_KEY_MATERIAL",
          "GENERATE_EEK",
          "DECRYPT_EEK");

  private KmsConfFiles() {}

  /** Files that do not change between starts: ACLs, logging, TLS. */
  static void writeStatic(Path confDir, Map<String, Map<KeyOp, String>> keyAcls, SelfSignedTls tls)
      throws IOException {
    Files.writeString(confDir.resolve("core-site.xml"), "<configuration/>\n");
    Map<String, String> acls = new LinkedHashMap<>();
    SERVER_OPS.forEach(op -> acls.put("hadoop.kms.acl." + op, "*"));
    for (KeyOp op : KeyOp.values()) {
      acls.put("default.key.acl." + op, "*");
    }
    // A key with its own ACLs names every op, so nothing depends on default fallback rules.
    keyAcls.forEach(
        (key, ops) -> {
          for (KeyOp op : KeyOp.values()) {
            acls.put("key.acl." + key + "." + op, ops.getOrDefault(op, "*"));
          }
        });
    Files.writeString(confDir.resolve("kms-acls.xml"), xml(acls));
    Files.writeString(
        confDir.resolve("log4j.properties"),
        String.join(
            "\n",
            "log4j.rootLogger=INFO, err",
            "log4j.appender.err=org.apache.log4j.ConsoleAppender",
            "log4j.appender.err.Target=System.err",
            "log4j.appender.err.layout=org.apache.log4j.PatternLayout",
            "log4j.appender.err.layout.ConversionPattern=%d{ISO8601} %-5p %c{1} - %m%n",
            ""));
    if (tls != null) {
      Map<String, String> ssl = new LinkedHashMap<>();
      ssl.put("ssl.server.keystore.location", tls.serverKeyStore.toString());
      ssl.put("ssl.server.keystore.password", tls.serverPassword);
      ssl.put("ssl.server.keystore.keypassword", tls.serverPassword);
      ssl.put("ssl.server.keystore.type", "jks");
      Files.writeString(confDir.resolve("ssl-server.xml"), xml(ssl));
    }
  }

  /** kms-site.xml, rewritten at each start: the port is 0 only until the first start. */
  static void writeKmsSite(Path confDir, Path backingKeyStore, String host, int port, boolean https)
      throws IOException {
    Map<String, String> site = new LinkedHashMap<>();
    site.put("hadoop.kms.key.provider.uri", "jceks://file@" + backingKeyStore.toUri().getPath());
    site.put("hadoop.kms.authentication.type", "simple");
    site.put("hadoop.kms.http.host", host);
    site.put("hadoop.kms.http.port", Integer.toString(port));
    site.put("hadoop.kms.ssl.enabled", Boolean.toString(https));
    Files.writeString(confDir.resolve("kms-site.xml"), xml(site));
  }

  private static String xml(Map<String, String> props) {
    StringBuilder sb = new StringBuilder("<?xml version=\"1.0\"?>\n<configuration>\n");
    props.forEach(
        (k, v) ->
            sb.append("  <property><name>")
                .append(escape(k))
                .append("</name><value>")
                .append(escape(v))
                .append("</value></property>\n"));
    return sb.append("</configuration>\n").toString();
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
