package dev.pipeseal.spark.sql;

import java.util.Locale;
import org.apache.spark.sql.catalyst.analysis.UnresolvedAttribute;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;

/**
 * The column a function argument names. Its lower-cased name is the default context, so a value
 * fails to decrypt in a column of another name. The table is not bound by default: ETL copies
 * columns between tables (raw to curated), and the table name as written in a query (alias,
 * qualified or not) is not stable; pass an explicit context such as {@code 'sales.users.ssn'} to
 * bind it.
 */
final class DefaultContext {
  private DefaultContext() {}

  /** The column name {@code e} refers to, or null if it is not a plain column. */
  static String columnName(Expression e) {
    if (e instanceof UnresolvedAttribute a) {
      return a.nameParts().last();
    }
    if (e instanceof NamedExpression n) {
      return n.name();
    }
    return null;
  }

  static String of(String column) {
    return column == null ? null : column.toLowerCase(Locale.ROOT);
  }
}
