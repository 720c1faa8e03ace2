package dev.pipeseal.parquet.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.schema.MessageType;

/** Applies column rules to one file's schema: which leaf columns get which master key. */
public final class ColumnResolver {
  private ColumnResolver() {}

  /**
   * Leaf column paths (Parquet dotted form) per master key, in rule order.
   *
   * @throws PolicyException when a name selector matches no field, or one column is chosen by rules
   *     of two different master keys (fail closed rather than pick one)
   */
  public static Map<String, List<String>> resolve(List<ColumnRule> rules, MessageType schema) {
    List<SchemaFields.Leaf> leaves = SchemaFields.leaves(schema);
    Map<String, String> keyOfColumn = new LinkedHashMap<>();
    Map<String, List<String>> columnsOfKey = new LinkedHashMap<>();
    for (ColumnRule rule : rules) {
      for (ColumnSelector selector : rule.selectors()) {
        boolean matched = false;
        for (SchemaFields.Leaf leaf : leaves) {
          if (!selects(selector, leaf)) {
            continue;
          }
          matched = true;
          String previous = keyOfColumn.putIfAbsent(leaf.columnPath(), rule.masterKey());
          if (previous == null) {
            columnsOfKey
                .computeIfAbsent(rule.masterKey(), k -> new ArrayList<>())
                .add(leaf.columnPath());
          } else if (!previous.equals(rule.masterKey())) {
            throw new PolicyException(
                "column '"
                    + leaf.columnPath()
                    + "' is selected for master key '"
                    + previous
                    + "' and, by '"
                    + selector
                    + "', for master key '"
                    + rule.masterKey()
                    + "'");
          }
        }
        if (!matched && selector.mustMatch()) {
          throw new PolicyException(
              "column '"
                  + selector.pattern()
                  + "' (master key '"
                  + rule.masterKey()
                  + "') is not in the file schema");
        }
      }
    }
    return columnsOfKey;
  }

  private static boolean selects(ColumnSelector selector, SchemaFields.Leaf leaf) {
    for (SchemaFields.Field f : leaf.fields()) {
      if (selector.matches(f.path(), f.type())) {
        return true;
      }
    }
    return false;
  }
}
