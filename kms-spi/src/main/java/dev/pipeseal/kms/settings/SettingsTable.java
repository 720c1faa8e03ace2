package dev.pipeseal.kms.settings;

import java.util.List;

/**
 * Renders declared property sets as the Markdown reference {@code docs/settings.md}, so the table
 * is generated from the declarations rather than kept beside them by hand.
 */
public final class SettingsTable {
  private SettingsTable() {}

  /** One section per set: a table of name, type, default, meaning and deprecated names. */
  public static String markdown(List<PropertySet> sets) {
    StringBuilder out = new StringBuilder();
    out.append("# Settings reference\n\n")
        .append("Generated from the property declarations in the code; do not edit by hand.\n")
        .append("`SettingsTableTest` (integration-tests) fails when this file drifts from the code")
        .append(" and rewrites it when run with `-Dpipeseal.settings.write=true`.\n\n")
        .append("Value syntax, the same for every property: durations `500ms`, `10s`, `5m`, `1h`,")
        .append(" `2d` or ISO-8601 (`PT1M30S`), a bare number being in the unit the type names;")
        .append(" sizes `4096`, `64k`, `16MiB`, `1g` (powers of 1024) or `10MB` (powers of")
        .append(" 1000); booleans `true`/`false`; lists comma-separated; secrets only as")
        .append(" references `env:NAME` or `file:/path`. Unknown names under a component's prefix")
        .append(" are rejected with the nearest valid name; deprecated names still work and log")
        .append(" a warning.\n");
    for (PropertySet set : sets) {
      out.append("\n## ").append(set.title()).append("\n\n");
      if (!set.prefix().isEmpty()) {
        out.append("Prefix: `").append(set.prefix()).append("`\n\n");
      }
      out.append("| name | type | default | meaning | deprecated names |\n")
          .append("|---|---|---|---|---|\n");
      for (Property<?> p : set.properties()) {
        out.append("| `")
            .append(p.name())
            .append("` | ")
            .append(cell(p.type()))
            .append(" | ")
            .append(p.defaultText().isEmpty() ? "" : "`" + cell(p.defaultText()) + "`")
            .append(" | ")
            .append(cell(p.doc()))
            .append(" | ")
            .append(
                p.aliases().isEmpty()
                    ? ""
                    : "`" + String.join("`, `", p.aliases()).replace("|", "\\|") + "`")
            .append(" |\n");
      }
      set.passThrough()
          .forEach(
              (prefix, meaning) ->
                  out.append("| `")
                      .append(prefix)
                      .append("*` | passed on | | ")
                      .append(cell(meaning))
                      .append(" | |\n"));
    }
    return out.toString();
  }

  private static String cell(String text) {
    return text.replace("|", "\\|").replace("\n", " ");
  }
}
