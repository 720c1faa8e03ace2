package dev.pipeseal.jobs.testing;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.jobs.PipesealCli;
import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.crypto.keytools.KeyToolkit;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/** Tiny Parquet lakes written with Pipeseal's crypto factory. */
public final class Lakes {
  public static final String FACTORY = "dev.pipeseal.parquet.crypto.PipesealCryptoFactory";
  public static final MessageType SCHEMA =
      MessageTypeParser.parseMessageType(
          "message row { required int64 id; required binary ssn (UTF8); required binary note (UTF8); }");

  private Lakes() {}

  /** Bridge settings for a new local key store in {@code dir}. */
  public static Map<String, String> localStore(Path dir) {
    try {
      Files.createDirectories(dir);
      Path pass = dir.resolve("store.pass");
      Files.writeString(pass, "test store password\n");
      Map<String, String> p = new LinkedHashMap<>();
      p.put("pipeseal.kms.uri", "local://" + dir.resolve("keys.p12"));
      p.put("pipeseal.kms.provider.password", "file:" + pass);
      p.put("pipeseal.kms.provider.create", "true");
      p.put("pipeseal.kms.audit.sink", "none");
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static KmsAdmin admin(Map<String, String> kms) {
    return SharedKmsBridges.pinned(kms).bridge().admin().orElseThrow();
  }

  /** Write settings: {@code ssn} under {@code key}, plus extra policy pairs. */
  public static Map<String, String> policy(Map<String, String> kms, String key, String... kv) {
    Map<String, String> p = new LinkedHashMap<>(kms);
    p.put("parquet.crypto.factory.class", FACTORY);
    p.put("pipeseal.parquet.columns." + key, "ssn");
    for (int i = 0; i < kv.length; i += 2) {
      p.put(kv[i], kv[i + 1]);
    }
    return p;
  }

  public static Configuration conf(Map<String, String> props) {
    Configuration c = new Configuration();
    props.forEach(c::set);
    return c;
  }

  /** Writes {@code n} rows to {@code file} (a plaintext file when {@code props} has no policy). */
  public static void write(Map<String, String> props, Path file, int n) {
    try {
      Files.createDirectories(file.getParent());
      SimpleGroupFactory f = new SimpleGroupFactory(SCHEMA);
      try (ParquetWriter<Group> w =
          ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri()))
              .withConf(conf(props))
              .withType(SCHEMA)
              .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
              .build()) {
        for (long i = 0; i < n; i++) {
          w.write(f.newGroup().append("id", i).append("ssn", "ssn-" + i).append("note", "n" + i));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads every row cold (no cached keys) and checks the values; returns the row count. */
  public static int readAll(Map<String, String> props, Path file) {
    resetCaches();
    List<Group> rows = new ArrayList<>();
    try (ParquetReader<Group> r =
        ParquetReader.builder(new GroupReadSupport(), new org.apache.hadoop.fs.Path(file.toUri()))
            .withConf(conf(props))
            .build()) {
      for (Group g = r.read(); g != null; g = r.read()) {
        rows.add(g);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (int i = 0; i < rows.size(); i++) {
      if (!rows.get(i).getString("ssn", 0).equals("ssn-" + rows.get(i).getLong("id", 0))) {
        throw new AssertionError("row " + i + " of " + file + " is wrong");
      }
    }
    return rows.size();
  }

  /** Parquet's KEK caches, the shared bridges and the jobs' per-JVM contexts. */
  public static void resetCaches() {
    KeyToolkit.removeCacheEntriesForAllTokens();
    SharedKmsBridges.closeAll();
  }

  /** Runs the CLI; returns exit code, stdout and stderr. */
  public static Result cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        PipesealCli.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** A CLI run. */
  public record Result(int code, String out, String err) {}

  /**
   * SHA-256 of a DEK's material in hex: lets a test tell that a rewrapped or moved key is still the
   * same DEK without keeping the key bytes.
   */
  public static String fingerprint(DataKey dek) {
    return dek.withMaterial(
        m -> {
          try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(m));
          } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
          }
        });
  }
}
