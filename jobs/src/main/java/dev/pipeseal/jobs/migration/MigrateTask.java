package dev.pipeseal.jobs.migration;

import dev.pipeseal.jobs.inventory.FileInspector;
import dev.pipeseal.jobs.inventory.InventoryTask;
import dev.pipeseal.jobs.lake.CorruptFileException;
import dev.pipeseal.jobs.lake.KeyMaterial;
import dev.pipeseal.jobs.lake.KeyMaterialFile;
import dev.pipeseal.jobs.lake.KeyUse;
import dev.pipeseal.jobs.lake.ParquetTail;
import dev.pipeseal.jobs.reencrypt.FileRewriter;
import dev.pipeseal.jobs.report.FileOutcome;
import dev.pipeseal.jobs.report.FileOutcome.FileInfo;
import dev.pipeseal.jobs.report.FileOutcome.Status;
import dev.pipeseal.jobs.rotation.KeyMaterialSwap;
import dev.pipeseal.jobs.run.FileTask;
import dev.pipeseal.jobs.run.JobContext;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.parquet.kms.WrappedKeyString;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@code rotate --to} of one data file: every wrapped DEK not yet under the target provider (the
 * job's writer, see {@link MigrationTarget}) is unwrapped by its own provider and wrapped by the
 * target.
 *
 * <p>External key material: only the {@code _KEY_MATERIAL_FOR_} JSON changes (the Parquet key's
 * ciphertext under the same DEK is kept, so the data file is untouched); the new JSON is written
 * beside the old one, read back, each moved key unwrapped through the target and Parquet's key
 * opened, then renamed over the old one. Internal key material is inside the data file, so that
 * file is rewritten through the reencrypt path ({@link FileRewriter}) with new keys from the
 * target; that needs the table's policy in the job's properties, else the file is reported.
 *
 * <p>A failure before the swap (target down, target key missing, old provider refusing) leaves the
 * file as it was: every KMS call happens before anything is written.
 */
public final class MigrateTask implements FileTask {
  private static final long serialVersionUID = 1L;
  private final boolean dryRun;
  private final boolean rewrite;

  /**
   * @param rewrite rewrite files with internal key material not yet under the target (needs the
   *     table's policy); otherwise report them
   */
  public MigrateTask(boolean dryRun, boolean rewrite) {
    this.dryRun = dryRun;
    this.rewrite = rewrite;
  }

  @Override
  public FileOutcome apply(JobContext context, String file) {
    try {
      Path p = new Path(file);
      Configuration conf = context.conf();
      KeyMaterialSwap.Read read = dryRun ? null : KeyMaterialSwap.Read.of(p, conf);
      ParquetTail tail = ParquetTail.read(p, conf);
      FileInfo info = FileInspector.inspect(p, tail, conf);
      if (!tail.encrypted()) {
        return new FileOutcome(
            file,
            Status.SKIPPED,
            "plaintext file: no key to migrate (reencrypt encrypts it)",
            info);
      }
      String target = context.kms().providerId();
      if ("external".equals(info.keyMaterial())) {
        return migrateExternal(context, p, conf, info, target, read);
      }
      TreeSet<String> from = elsewhere(info.keys(), target);
      if (from.isEmpty()) {
        return new FileOutcome(file, Status.UNCHANGED, null, info);
      }
      checkTargetKeys(context, info.keys());
      if (dryRun) {
        return new FileOutcome(
            file,
            Status.WOULD_CHANGE,
            "would rewrite (internal key material under " + from + ") with keys from " + target,
            info);
      }
      if (!rewrite) {
        return new FileOutcome(
            file,
            Status.FAILED,
            "internal key material under "
                + from
                + " is inside the data file: pass the table's policy (pipeseal.parquet.*) to"
                + " rewrite it under "
                + target
                + " (not migrated)",
            info);
      }
      long rows = FileRewriter.rewrite(p, conf, FileRewriter.readsOrTargetsExternal(p, conf));
      return new FileOutcome(
          file,
          Status.DONE,
          "rewritten (" + rows + " rows) under " + target + ": internal key material was " + from,
          FileInspector.inspect(p, ParquetTail.read(p, conf), conf));
    } catch (IOException | RuntimeException e) {
      return FileOutcome.of(file, Status.FAILED, InventoryTask.describe(e));
    }
  }

  /** {@code provider:name@version} of keys not under the target; keys we cannot read count too. */
  private static TreeSet<String> elsewhere(List<KeyUse> keys, String target) {
    TreeSet<String> out = new TreeSet<>();
    for (KeyUse k : keys) {
      if (!target.equals(k.provider())) {
        out.add((k.provider() == null ? "?" : k.provider()) + ":" + k.label());
      }
    }
    return out;
  }

  /** Fails closed (typed KMS error) when the target is down or lacks a master key. */
  private static void checkTargetKeys(JobContext context, List<KeyUse> keys) {
    for (KeyUse k : keys) {
      context.currentVersion(k.masterKey());
    }
  }

  private FileOutcome migrateExternal(
      JobContext context,
      Path data,
      Configuration conf,
      FileInfo info,
      String target,
      KeyMaterialSwap.Read read)
      throws IOException {
    Path materialPath = KeyMaterialFile.of(data);
    KeyMaterialFile material = KeyMaterialFile.read(materialPath, conf);
    Kms kms = context.kms();
    LinkedHashMap<String, String> next = new LinkedHashMap<>();
    Map<String, String> moved = new LinkedHashMap<>(); // reference -> Parquet master key id
    TreeSet<String> from = new TreeSet<>();
    for (Map.Entry<String, String> e : material.entries().entrySet()) {
      LinkedHashMap<String, Object> m =
          KeyMaterial.parseObject(e.getValue(), materialPath.toString());
      KeyUse use = KeyMaterial.describe(e.getKey(), m, "external");
      if (use.provider() == null) {
        throw new CorruptFileException(
            materialPath
                + ": key "
                + e.getKey()
                + " is not a Pipeseal wrapped key; cannot migrate");
      }
      if (target.equals(use.provider())) {
        next.put(e.getKey(), e.getValue());
        continue;
      }
      from.add(use.provider() + ":" + use.label());
      if (dryRun) {
        context.currentVersion(use.masterKey()); // the target has the key and answers
      } else {
        String member = KeyMaterial.wrappedMember(m);
        m.put(
            member,
            KmsCalls.await(
                WrappedKeyString.moveTo((String) m.get(member), use.masterKey(), kms)
                    .toCompletableFuture()));
        moved.put(e.getKey(), use.masterKey());
      }
      next.put(e.getKey(), KeyMaterial.toJson(m));
    }
    String file = data.toString();
    if (from.isEmpty()) {
      return new FileOutcome(file, Status.UNCHANGED, null, info);
    }
    if (dryRun) {
      return new FileOutcome(
          file, Status.WOULD_CHANGE, "would move keys " + from + " to " + target, info);
    }
    KeyMaterialSwap.publish(
        kms, materialPath, next, moved, read.with(material), conf, file, context.renamed());
    return new FileOutcome(
        file,
        Status.DONE,
        "moved " + moved.size() + " keys from " + from + " to " + target,
        FileInspector.inspect(data, ParquetTail.read(data, conf), conf));
  }
}
