package dev.pipeseal.testkms;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.net.URL;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.crypto.key.kms.server.KMSConfiguration;
import org.apache.hadoop.crypto.key.kms.server.KMSWebServer;
import org.apache.hadoop.fs.Path;

/**
 * Starts a Hadoop KMS from a configuration directory, prints {@value #READY_PREFIX}{@code <url>} on
 * stdout once it accepts requests, and stops when stdin reaches end of file (the parent closed it
 * or died) or the process is killed.
 *
 * <p>The directory holds {@code kms-site.xml} (bind host and port, backing key store), {@code
 * kms-acls.xml}, {@code core-site.xml}, {@code log4j.properties} and, for HTTPS, {@code
 * ssl-server.xml}. The JVM needs {@code --add-opens=java.base/java.lang=ALL-UNNAMED} on JDK 17.
 */
public final class KmsServerMain {
  /** The line prefix the parent waits for; the rest of the line is the server URL. */
  public static final String READY_PREFIX = "PIPESEAL-KMS-READY ";

  private KmsServerMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: KmsServerMain <kms-conf-dir>");
      System.exit(2);
    }
    File confDir = new File(args[0]).getAbsoluteFile();
    System.setProperty(KMSConfiguration.KMS_CONFIG_DIR, confDir.getPath());
    File log4j = new File(confDir, "log4j.properties");
    if (log4j.isFile()) {
      System.setProperty("log4j.configuration", log4j.toURI().toString());
    }
    Configuration conf = KMSConfiguration.getKMSConf();
    Configuration sslConf = null;
    File sslServer = new File(confDir, "ssl-server.xml");
    if (conf.getBoolean(KMSConfiguration.SSL_ENABLED_KEY, false) && sslServer.isFile()) {
      sslConf = new Configuration(false);
      sslConf.addResource(new Path(sslServer.toURI()));
    }

    KMSWebServer server = newServer(conf, sslConf);
    server.start();
    // getKMSUrl() names "localhost" whatever the bind address; report the address we bound.
    URL bound = server.getKMSUrl();
    String host = conf.get(KMSConfiguration.HTTP_HOST_KEY, bound.getHost());
    URL url = new URL(bound.getProtocol(), host, bound.getPort(), bound.getPath());
    System.out.println(READY_PREFIX + url);
    System.out.flush();

    waitForEndOfInput(System.in);
    server.stop();
    System.exit(0);
  }

  // The constructor is package-private; MiniKMS (its only public front) always binds
  // "localhost", and a failover test needs two servers on two loopback addresses.
  private static KMSWebServer newServer(Configuration conf, Configuration sslConf)
      throws Exception {
    Constructor<KMSWebServer> ctor =
        KMSWebServer.class.getDeclaredConstructor(Configuration.class, Configuration.class);
    ctor.setAccessible(true);
    return ctor.newInstance(conf, sslConf);
  }

  private static void waitForEndOfInput(InputStream in) {
    byte[] buf = new byte[256];
    try {
      while (in.read(buf) >= 0) {
        // Input is ignored; only its end matters.
      }
    } catch (IOException e) {
      // A broken pipe also means the parent is gone.
    }
  }
}
