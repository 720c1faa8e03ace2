package dev.pipeseal.jobs.demo;

import dev.pipeseal.crypto.PipesealCryptoException;
import dev.pipeseal.crypto.batch.BatchEncryptor;
import dev.pipeseal.crypto.batch.ColumnBatch;
import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.envelope.EnvelopeKeys;
import dev.pipeseal.kms.envelope.EnvelopeReader;
import dev.pipeseal.kms.envelope.UndecryptableValueException;
import dev.pipeseal.kms.metrics.KmsMetrics;
import dev.pipeseal.kms.registry.KeyRegistries;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.RegistryException;
import dev.pipeseal.kms.rotation.RegistryRewrapper;
import dev.pipeseal.kms.rotation.RewrapReport;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code pipeseal demo}: encrypts synthetic training data with envelope keys from a local key
 * store, rotates both master keys, rewraps the key registry (data untouched), then proves every
 * value still decrypts to what was written and that a tampered value is refused.
 *
 * <p>Columns: {@code email} and {@code note} randomized under master key {@code pii}, {@code ssn}
 * deterministic (joinable) under {@code pii}, {@code embedding} (768 floats) randomized under
 * {@code embeddings}. Keys are stored by reference (8-byte registry ids), as Spark columns are.
 */
public final class DemoJob {
  static final String PII = "pii";
  static final String EMBEDDINGS = "embeddings";
  static final String TABLE = "demo.records";
  private static final int CHUNK = 1024;
  private static final String PASSWORD_ENV = "PIPESEAL_KEYSTORE_PASSWORD";

  /** Command-line options of the demo. */
  public record Options(Path dir, int rows, long seed) {
    public Options {
      if (rows < 1) {
        throw new IllegalArgumentException("--rows must be >= 1: " + rows);
      }
    }

    static Options parse(List<String> args) {
      Path dir = Path.of("pipeseal-demo");
      int rows = 10_000;
      long seed = 42;
      for (int i = 0; i < args.size(); i++) {
        String a = args.get(i);
        if (i + 1 >= args.size()) {
          throw new IllegalArgumentException("option " + a + " needs a value");
        }
        switch (a) {
          case "--dir" -> dir = Path.of(args.get(++i));
          case "--rows" -> rows = Integer.parseInt(args.get(++i));
          case "--seed" -> seed = Long.parseLong(args.get(++i));
          default -> throw new IllegalArgumentException("unknown option " + a);
        }
      }
      return new Options(dir.toAbsolutePath(), rows, seed);
    }
  }

  /** Entry point used by the CLI: returns the exit code (0 ok, 1 failed, 64 usage). */
  public static int run(List<String> args, PrintStream out, PrintStream err) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("pipeseal demo: " + e.getMessage());
      err.println("usage: pipeseal demo [--dir DIR] [--rows N] [--seed S]");
      return 64;
    }
    try {
      new DemoJob().run(options, out);
      return 0;
    } catch (KmsException | RegistryException | PipesealCryptoException | IOException e) {
      err.println("pipeseal demo: failed: " + e.getMessage());
      return 1;
    } catch (UndecryptableValueException e) {
      err.println("pipeseal demo: verification failed: " + e.getMessage());
      return 1;
    }
  }

  void run(Options o, PrintStream out) throws IOException {
    long started = System.nanoTime();
    Files.createDirectories(o.dir().resolve("data"));
    Map<String, String> props = new LinkedHashMap<>();
    props.put("pipeseal.kms.uri", "local://" + o.dir().resolve("keys.p12"));
    props.put("pipeseal.kms.provider.password", passwordReference(o.dir()));
    props.put("pipeseal.kms.provider.create", "true");
    props.put("pipeseal.kms.audit.sink", "file");
    props.put("pipeseal.kms.audit.file", o.dir().resolve("audit.jsonl").toString());
    SyntheticRecords records = new SyntheticRecords(o.seed());
    Path data = o.dir().resolve("data").resolve("records.psl");

    try (KmsBridge kms = KmsBridge.open(props);
        KeyRegistry registry = KeyRegistries.open(o.dir().resolve("registry"))) {
      KmsAdmin admin = kms.admin().orElseThrow();
      ensureKey(admin, PII);
      ensureKey(admin, EMBEDDINGS);
      EnvelopeKeys keys = EnvelopeKeys.withRegistry(kms, registry);

      long plaintextBytes = encrypt(keys, records, o.rows(), data);
      long encryptedBytes = Files.size(data);
      out.printf(
          "encrypted %,d records (%,d plaintext bytes -> %s, %,d bytes)%n",
          o.rows(), plaintextBytes, o.dir().relativize(data), encryptedBytes);

      MasterKeyInfo pii = admin.rotateKey(PII);
      MasterKeyInfo emb = admin.rotateKey(EMBEDDINGS);
      out.printf(
          "rotated master keys: %s -> %s, %s -> %s%n",
          PII, pii.currentVersion(), EMBEDDINGS, emb.currentVersion());
      List<String> problems = new ArrayList<>();
      RewrapReport report =
          new RegistryRewrapper(kms, registry, null, false, 100, problems::add).run();
      if (!report.complete()) {
        throw new IOException("registry rewrap left " + report.failed() + " records: " + problems);
      }
      out.printf(
          "rewrapped %d of %d registry records to the new versions (data file untouched)%n",
          report.rewrapped(), report.scanned());

      long verified = verify(keys, records, o.rows(), data);
      out.printf("verified %,d records: every value decrypts to what was written%n", verified);
      out.println("tamper check: " + tamperCheck(keys, data));

      KmsMetrics provider = kms.providerMetrics();
      out.printf(
          "KMS provider calls: generate=%d unwrap=%d rewrap=%d (KEK layer and cache keep them O(1))%n",
          provider.operation("generate").calls(),
          provider.operation("unwrap").calls(),
          provider.operation("rewrap").calls() + provider.operation("rewrapAll").calls());
      out.printf(
          "done in %.1f s; key store, registry, audit log and data are in %s%n",
          (System.nanoTime() - started) / 1e9, o.dir());
    }
  }

  private static void ensureKey(KmsAdmin admin, String name) {
    if (admin.listKeys().stream().noneMatch(k -> k.name().equals(name))) {
      admin.createKey(name);
    }
  }

  /** The key-store password: from the environment, else a random one kept next to the store. */
  private static String passwordReference(Path dir) throws IOException {
    if (System.getenv(PASSWORD_ENV) != null) {
      return "env:" + PASSWORD_ENV;
    }
    Path file = dir.resolve("keystore.password");
    if (!Files.exists(file)) {
      byte[] random = new byte[24];
      new SecureRandom().nextBytes(random);
      Path tmp = Files.createTempFile(dir, "keystore", ".tmp");
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // Non-POSIX file systems keep their default permissions.
      }
      Files.writeString(tmp, Base64.getUrlEncoder().withoutPadding().encodeToString(random));
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }
    return "file:" + file;
  }

  private static EnvelopeContext column(String name) {
    return EnvelopeContext.of(TABLE + "." + name);
  }

  /** Writes the encrypted file next to its final name, then moves it into place atomically. */
  private static long encrypt(EnvelopeKeys keys, SyntheticRecords records, int rows, Path data)
      throws IOException {
    long plaintext = 0;
    Path tmp = Files.createTempFile(data.getParent(), "records", ".tmp");
    try (DataKeyPair pii = keys.generate(PII);
        DataKeyPair emb = keys.generate(EMBEDDINGS)) {
      KeyReference piiRef = keys.registryReference(pii.wrapped());
      KeyReference embRef = keys.registryReference(emb.wrapped());
      try (BatchEncryptor text =
              BatchEncryptor.create(pii.plaintext(), Algorithm.XAES_256_GCM, piiRef);
          BatchEncryptor det = BatchEncryptor.create(pii.plaintext(), Algorithm.AES_SIV, piiRef);
          BatchEncryptor vectors =
              BatchEncryptor.create(emb.plaintext(), Algorithm.XAES_256_GCM, embRef);
          DataOutputStream w =
              new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
        w.writeInt(rows);
        for (int start = 0; start < rows; start += CHUNK) {
          int n = Math.min(CHUNK, rows - start);
          byte[][] emails = new byte[n][];
          byte[][] ssns = new byte[n][];
          byte[][] notes = new byte[n][];
          float[][] embeddings = new float[n][];
          for (int i = 0; i < n; i++) {
            SyntheticRecords.Row r = records.row(start + i);
            emails[i] = utf8(r.email());
            ssns[i] = utf8(r.ssn());
            notes[i] = utf8(r.note());
            embeddings[i] = r.embedding();
            plaintext +=
                emails[i].length + ssns[i].length + notes[i].length + 4L * r.embedding().length;
          }
          ColumnBatch e = text.encrypt(ColumnBatch.of(emails), column("email"));
          ColumnBatch s = det.encrypt(ColumnBatch.of(ssns), column("ssn"));
          ColumnBatch t = text.encrypt(ColumnBatch.of(notes), column("note"));
          byte[][] v = vectors.encryptFloats(embeddings, column("embedding"));
          for (int i = 0; i < n; i++) {
            w.writeLong(start + i);
            write(w, e.value(i));
            write(w, s.value(i));
            write(w, t.value(i));
            write(w, v[i]);
          }
        }
      }
      Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return plaintext;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static long verify(EnvelopeKeys keys, SyntheticRecords records, int rows, Path data)
      throws IOException {
    long verified = 0;
    try (EnvelopeReader reader = new EnvelopeReader(keys);
        DataInputStream in =
            new DataInputStream(new BufferedInputStream(Files.newInputStream(data), 1 << 16))) {
      int count = in.readInt();
      if (count != rows) {
        throw new IOException("data file holds " + count + " records, expected " + rows);
      }
      for (int i = 0; i < count; i++) {
        SyntheticRecords.Row expected = records.row(in.readLong());
        boolean ok =
            Arrays.equals(reader.decrypt(read(in), column("email")), utf8(expected.email()))
                & Arrays.equals(reader.decrypt(read(in), column("ssn")), utf8(expected.ssn()))
                & Arrays.equals(reader.decrypt(read(in), column("note")), utf8(expected.note()))
                & Arrays.equals(
                    reader.decryptFloats(read(in), column("embedding")), expected.embedding());
        if (!ok) {
          throw new IOException("record " + expected.id() + " decrypted to different values");
        }
        verified++;
      }
    }
    return verified;
  }

  /** Flips one bit of the first stored SSN and shows that it is refused, naming column and key. */
  private static String tamperCheck(EnvelopeKeys keys, Path data) throws IOException {
    byte[] ssn;
    try (DataInputStream in = new DataInputStream(Files.newInputStream(data))) {
      in.readInt();
      in.readLong();
      read(in);
      ssn = read(in);
    }
    ssn[ssn.length - 1] ^= 1;
    try (EnvelopeReader reader = new EnvelopeReader(keys)) {
      reader.decrypt(ssn, column("ssn"));
      throw new IllegalStateException("a tampered value decrypted");
    } catch (UndecryptableValueException e) {
      return "a flipped bit was refused: "
          + e.getCause().getClass().getSimpleName()
          + " ("
          + e.where()
          + ", key "
          + e.keyName()
          + ")";
    }
  }

  private static void write(DataOutputStream w, byte[] value) throws IOException {
    w.writeInt(value.length);
    w.write(value);
  }

  private static byte[] read(DataInputStream in) throws IOException {
    byte[] b = new byte[in.readInt()];
    in.readFully(b);
    return b;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
