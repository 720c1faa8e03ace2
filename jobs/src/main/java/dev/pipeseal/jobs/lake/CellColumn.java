package dev.pipeseal.jobs.lake;

import java.io.Serializable;
import java.util.List;

/**
 * A column whose sampled values are all Pipeseal envelopes, and the keys their headers name (read
 * without any key).
 *
 * @param column the column path
 * @param sampled non-null values looked at (the first ones of each column chunk)
 * @param registryKeys registry key ids (16 hex digits) of cells that reference the key registry
 * @param inlineKeys {@code masterKey@version} of cells that carry their wrapped key inline
 * @param subjectCells cells under a per-subject key (crypto-shredding)
 * @param erasedCells of those, cells whose subject was shredded (counted only when the job knows
 *     the key registry): they can never be decrypted again, by design
 */
public record CellColumn(
    String column,
    long sampled,
    List<String> registryKeys,
    List<String> inlineKeys,
    long subjectCells,
    long erasedCells)
    implements Serializable {
  public CellColumn {
    registryKeys = List.copyOf(registryKeys);
    inlineKeys = List.copyOf(inlineKeys);
  }

  public CellColumn(
      String column, long sampled, List<String> registryKeys, List<String> inlineKeys) {
    this(column, sampled, registryKeys, inlineKeys, 0, 0);
  }
}
