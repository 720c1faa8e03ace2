package dev.pipeseal.jobs.report;

import dev.pipeseal.jobs.lake.CellColumn;
import dev.pipeseal.jobs.lake.KeyUse;
import java.io.Serializable;
import java.util.List;

/**
 * What one job did to one file. Messages name files, columns and keys, never key bytes or data.
 *
 * @param path the data file
 * @param status what happened
 * @param message why, for anything but {@link Status#DONE} and {@link Status#UNCHANGED}
 * @param info what the file is (inventory), or null
 */
public record FileOutcome(String path, Status status, String message, FileInfo info)
    implements Serializable {

  /** Outcome kinds; only {@link #FAILED} makes a run partial. */
  public enum Status {
    /** Changed (rewrapped, rewritten) or checked (verify, inventory). */
    DONE,
    /** Nothing to do: already current. */
    UNCHANGED,
    /** Dry run: would have been changed. */
    WOULD_CHANGE,
    /** Out of scope for the command (e.g. a plaintext file for rotate); not an error. */
    SKIPPED,
    /** Could not be read, changed or verified; left as it was. */
    FAILED
  }

  public static FileOutcome of(String path, Status status, String message) {
    return new FileOutcome(path, status, message, null);
  }

  /**
   * What a file is, from what the format leaves readable.
   *
   * @param kind {@code plaintext}, {@code pme}, {@code not-parquet} or {@code unknown}
   * @param footerMode {@code plaintext} or {@code encrypted} (PME only)
   * @param algorithm PME algorithm
   * @param table table bound into the AAD prefix by Pipeseal's writers, if any
   * @param keyMaterial {@code internal}, {@code external} or {@code explicit} (plain key ids)
   * @param encryptedColumns encrypted column paths, or null if the encrypted footer hides them
   * @param keys every key the file's key material names
   * @param cells columns of Pipeseal envelope cells and the keys they reference (inventory,
   *     sampled; see {@code CellSampler}), or null when not sampled
   * @param aadPrefix an AAD prefix that is not a Pipeseal table binding (another writer's), as text
   * @param locationTable inventory only: the table readers expect at the file's location when it
   *     differs from {@code table} (a copied or moved file), else null
   */
  public record FileInfo(
      String kind,
      String footerMode,
      String algorithm,
      String table,
      String keyMaterial,
      List<String> encryptedColumns,
      List<KeyUse> keys,
      List<CellColumn> cells,
      String aadPrefix,
      String locationTable)
      implements Serializable {
    public FileInfo(
        String kind,
        String footerMode,
        String algorithm,
        String table,
        String keyMaterial,
        List<String> encryptedColumns,
        List<KeyUse> keys) {
      this(
          kind,
          footerMode,
          algorithm,
          table,
          keyMaterial,
          encryptedColumns,
          keys,
          null,
          null,
          null);
    }

    /** This description with the sampled envelope cells. */
    public FileInfo withCells(List<CellColumn> sampled) {
      return new FileInfo(
          kind,
          footerMode,
          algorithm,
          table,
          keyMaterial,
          encryptedColumns,
          keys,
          sampled,
          aadPrefix,
          locationTable);
    }

    /** This description with a foreign AAD prefix. */
    public FileInfo withAadPrefix(String prefix) {
      return new FileInfo(
          kind,
          footerMode,
          algorithm,
          table,
          keyMaterial,
          encryptedColumns,
          keys,
          cells,
          prefix,
          locationTable);
    }

    /** This description with the table readers expect at the file's location. */
    public FileInfo withLocationTable(String expected) {
      return new FileInfo(
          kind,
          footerMode,
          algorithm,
          table,
          keyMaterial,
          encryptedColumns,
          keys,
          cells,
          aadPrefix,
          expected);
    }
  }
}
