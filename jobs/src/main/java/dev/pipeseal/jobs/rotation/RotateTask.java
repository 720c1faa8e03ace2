package dev.pipeseal.jobs.rotation;

import dev.pipeseal.jobs.inventory.FileInspector;
import dev.pipeseal.jobs.inventory.InventoryTask;
import dev.pipeseal.jobs.lake.CorruptFileException;
import dev.pipeseal.jobs.lake.ExplicitKeys;
import dev.pipeseal.jobs.lake.KeyMaterial;
import dev.pipeseal.jobs.lake.KeyMaterialFile;
import dev.pipeseal.jobs.lake.KeyUse;
import dev.pipeseal.jobs.lake.ParquetTail;
import dev.pipeseal.jobs.reencrypt.FileRewriter;
import dev.pipeseal.jobs.report.FileOutcome;
import dev.pipeseal.jobs.report.FileOutcome.FileInfo;
import dev.pipeseal.jobs.report.FileOutcome.Status;
import dev.pipeseal.jobs.run.FileTask;
import dev.pipeseal.jobs.run.JobContext;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.parquet.kms.WrappedKeyString;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@code rotate} of one data file. External key material: each wrapped-key string under an old
 * master-key version is rewrapped ({@code WrappedKeyString.rewrap}: only the wrapped DEK record
 * changes, no key leaves the KMS layer, data untouched); the new key material file is written
 * beside the old one, read back and every rewrapped key unwrapped and opened, then renamed over the
 * old one. Both the old file (old version) and the new one open the same Parquet keys, so readers
 * are unaffected at every step. Internal key material lives in the data file: reported as needing
 * {@code reencrypt}.
 *
 * <p>Per file, that is a few small reads, one fsync (the new file, before its rename) and KMS calls
 * the bridge mostly answers from its caches; the directories renamed into are forced once per batch
 * ({@link JobContext#renamed}), before the checkpoint. The time goes to waiting on storage, so
 * runners keep {@value #FILES_IN_FLIGHT} files in flight per task. Files that one writer job wrote
 * share its Parquet KEK, hence the same wrapped record: each distinct record is rewrapped once per
 * task ({@link JobContext#memo}) and the result reused, as the writer reused the original. Full
 * rewrites of internal key material stay at one per core in a JVM.
 */
public final class RotateTask implements FileTask {
  private static final long serialVersionUID = 1L;
  static final int FILES_IN_FLIGHT = 16;
  private static final Semaphore REWRITES =
      new Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors()));
  private final boolean dryRun;
  private final boolean rewrite;

  /**
   * @param rewrite rewrite files whose internal key material is stale (needs the table's policy in
   *     the job's properties); otherwise report them
   */
  public RotateTask(boolean dryRun, boolean rewrite) {
    this.dryRun = dryRun;
    this.rewrite = rewrite;
  }

  @Override
  public int filesInFlight() {
    return FILES_IN_FLIGHT;
  }

  @Override
  public FileOutcome apply(JobContext context, String file) {
    try {
      Path p = new Path(file);
      Configuration conf = context.sharedConf();
      KeyMaterialSwap.Read read = dryRun ? null : KeyMaterialSwap.Read.of(p, conf);
      ParquetTail tail = ParquetTail.read(p, conf);
      if (FileInspector.hasExternalKeyMaterial(p, tail)) {
        Path materialPath = KeyMaterialFile.of(p);
        byte[] bytes = KeyMaterialFile.readBytes(materialPath, conf);
        KeyMaterialFile material =
            KeyMaterialFile.parse(materialPath, new String(bytes, StandardCharsets.UTF_8));
        return rotateExternal(
            context,
            p,
            conf,
            tail,
            material,
            read == null ? null : read.with(material, bytes),
            FileInspector.inspect(p, tail, material));
      }
      FileInfo info = FileInspector.inspect(p, tail, (KeyMaterialFile) null);
      if (!tail.encrypted()) {
        return new FileOutcome(
            file, Status.SKIPPED, "plaintext file: no key to rotate (reencrypt encrypts it)", info);
      }
      if (ExplicitKeys.STORAGE.equals(info.keyMaterial())) {
        return new FileOutcome(
            file,
            Status.SKIPPED,
            "written with explicit keys (no KMS key to rotate): migrate it to KMS keys with"
                + " reencrypt and pipeseal.jobs.explicit-keys",
            info);
      }
      List<String> stale = stale(context, info.keys());
      if (stale.isEmpty()) {
        return new FileOutcome(file, Status.UNCHANGED, null, info);
      }
      if (dryRun) {
        return new FileOutcome(
            file,
            Status.WOULD_CHANGE,
            "would rewrite (internal key material under " + stale + ")",
            info);
      }
      if (!rewrite) {
        return new FileOutcome(
            file,
            Status.FAILED,
            "internal key material under "
                + stale
                + " is inside the data file: pass the table's policy (pipeseal.parquet.*) to"
                + " rewrite it, or run reencrypt (not rotated)",
            info);
      }
      // Rotation keeps the file's layout: internal key material stays internal (a key material
      // file beside it marks an interrupted external rewrite, which is finished as external).
      // The rewriter may change its configuration: it gets a copy of its own.
      long rows = rewrite(p, context.conf());
      return new FileOutcome(
          file,
          Status.DONE,
          "rewritten (" + rows + " rows): internal key material was under " + stale,
          FileInspector.inspect(p, ParquetTail.read(p, conf), conf));
    } catch (IOException | RuntimeException e) {
      return FileOutcome.of(file, Status.FAILED, InventoryTask.describe(e));
    }
  }

  private static long rewrite(Path p, Configuration conf) throws IOException {
    REWRITES.acquireUninterruptibly();
    try {
      return FileRewriter.rewrite(p, conf, FileRewriter.readsOrTargetsExternal(p, conf));
    } finally {
      REWRITES.release();
    }
  }

  /** Labels of keys not under their master key's current version. */
  private static List<String> stale(JobContext context, List<KeyUse> keys) {
    TreeSet<String> out = new TreeSet<>();
    for (KeyUse k : keys) {
      if (k.masterKeyVersion() != null
          && !k.masterKeyVersion().equals(context.currentVersion(k.masterKey()))) {
        out.add(k.label());
      }
    }
    return new ArrayList<>(out);
  }

  private FileOutcome rotateExternal(
      JobContext context,
      Path data,
      Configuration conf,
      ParquetTail tail,
      KeyMaterialFile material,
      KeyMaterialSwap.Read read,
      FileInfo info)
      throws IOException {
    Path materialPath = material.path();
    Kms kms = context.kms();
    LinkedHashMap<String, String> next = new LinkedHashMap<>();
    Map<String, String> rewrapped = new LinkedHashMap<>(); // reference -> master key
    TreeSet<String> from = new TreeSet<>();
    for (Map.Entry<String, String> e : material.entries().entrySet()) {
      LinkedHashMap<String, Object> m =
          KeyMaterial.parseObject(e.getValue(), materialPath.toString());
      KeyUse use = KeyMaterial.describe(e.getKey(), m, "external");
      if (use.masterKeyVersion() == null) {
        throw new CorruptFileException(
            materialPath + ": key " + e.getKey() + " is not a Pipeseal wrapped key; cannot rewrap");
      }
      if (!use.provider().equals(kms.providerId())) {
        throw new IOException(
            materialPath
                + ": key "
                + e.getKey()
                + " was wrapped by provider '"
                + use.provider()
                + "', this job's KMS is '"
                + kms.providerId()
                + "'");
      }
      if (use.masterKeyVersion().equals(context.currentVersion(use.masterKey()))) {
        next.put(e.getKey(), e.getValue());
        continue;
      }
      from.add(use.label());
      if (!dryRun) {
        String member = KeyMaterial.wrappedMember(m);
        m.put(member, rewrap(context, kms, (String) m.get(member), use.masterKey()));
        rewrapped.put(e.getKey(), use.masterKey());
      }
      next.put(e.getKey(), KeyMaterial.toJson(m));
    }
    String file = data.toString();
    if (from.isEmpty()) {
      return new FileOutcome(file, Status.UNCHANGED, null, info);
    }
    if (dryRun) {
      return new FileOutcome(file, Status.WOULD_CHANGE, "would rewrap keys under " + from, info);
    }
    KeyMaterialFile updated =
        KeyMaterialSwap.publish(
            kms, materialPath, next, rewrapped, read, conf, file, context.renamed());
    // What was read back and checked is what now stands there; the data file is untouched.
    FileInfo after = FileInspector.inspect(data, tail, updated);
    return new FileOutcome(
        file, Status.DONE, "rewrapped " + rewrapped.size() + " keys from " + from, after);
  }

  /**
   * The rewrap of one wrapped-key string, once per distinct string and task: files from one writer
   * share it. A failed rewrap is not remembered (the next file asks again).
   */
  private static String rewrap(JobContext context, Kms kms, String wrapped, String masterKey) {
    Map<String, String> memo = context.memo(RotateTask.class, ConcurrentHashMap::new);
    String key = masterKey + "\n" + wrapped;
    String fresh = memo.get(key);
    if (fresh == null) {
      fresh =
          KmsCalls.await(WrappedKeyString.rewrap(wrapped, masterKey, kms).toCompletableFuture());
      memo.putIfAbsent(key, fresh);
    }
    return fresh;
  }
}
