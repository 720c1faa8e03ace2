package dev.pipeseal.parquet.policy;

import java.util.List;
import java.util.Objects;

/**
 * Columns chosen by any of {@code selectors} are encrypted with a column key wrapped by {@code
 * masterKey}.
 */
public record ColumnRule(String masterKey, List<ColumnSelector> selectors) {
  public ColumnRule {
    Objects.requireNonNull(masterKey, "masterKey");
    if (masterKey.isBlank() || masterKey.contains(":") || masterKey.contains(";")) {
      // Parquet's column-key syntax separates keys with ':' and ';'.
      throw new PolicyException("invalid master key name '" + masterKey + "'");
    }
    selectors = List.copyOf(selectors);
    if (selectors.isEmpty()) {
      throw new PolicyException("no columns selected for master key '" + masterKey + "'");
    }
  }
}
