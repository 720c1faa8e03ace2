package dev.pipeseal.parquet.policy;

import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * A Parquet schema seen as users see it: every leaf column with the logical fields above it.
 * Logical paths drop the list and map plumbing, so {@code embedding.list.element} belongs to field
 * {@code embedding} of type {@code array<float>}, and {@code tags.key_value.key} to {@code
 * tags.key}.
 */
final class SchemaFields {
  /** A field the user can name: logical path and type name. */
  record Field(String path, String type) {}

  /** A leaf column (Parquet's dotted path) and the fields containing it, outermost first. */
  record Leaf(String columnPath, List<Field> fields) {}

  private SchemaFields() {}

  static List<Leaf> leaves(MessageType schema) {
    List<Leaf> out = new ArrayList<>();
    for (Type t : schema.getFields()) {
      walk(t, List.of(t.getName()), t.getName(), new ArrayList<>(), out);
    }
    return out;
  }

  private static void walk(
      Type type, List<String> physical, String logical, List<Field> above, List<Leaf> out) {
    List<Field> fields = new ArrayList<>(above);
    fields.add(new Field(logical, typeName(type)));
    if (type.isPrimitive()) {
      out.add(new Leaf(String.join(".", physical), List.copyOf(fields)));
      return;
    }
    GroupType group = type.asGroupType();
    LogicalTypeAnnotation a = group.getLogicalTypeAnnotation();
    boolean plumbing =
        a instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation
            || a instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation
            || a instanceof LogicalTypeAnnotation.MapKeyValueTypeAnnotation;
    for (Type child : group.getFields()) {
      List<String> childPhysical = new ArrayList<>(physical);
      childPhysical.add(child.getName());
      if (plumbing && child.isRepetition(Type.Repetition.REPEATED)) {
        walkRepeated(child, childPhysical, logical, fields, out, a);
      } else {
        walk(child, childPhysical, logical + "." + child.getName(), fields, out);
      }
    }
  }

  /** The repeated level of a list or map: its name (and a list's element name) is not logical. */
  private static void walkRepeated(
      Type repeated,
      List<String> physical,
      String logical,
      List<Field> fields,
      List<Leaf> out,
      LogicalTypeAnnotation owner) {
    boolean list = owner instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation;
    if (repeated.isPrimitive() || (list && repeated.asGroupType().getFieldCount() != 1)) {
      // Two-level list: the repeated field is the element.
      walkElement(repeated, physical, logical, fields, out);
      return;
    }
    for (Type child : repeated.asGroupType().getFields()) {
      List<String> childPhysical = new ArrayList<>(physical);
      childPhysical.add(child.getName());
      if (list) {
        walkElement(child, childPhysical, logical, fields, out);
      } else {
        walk(child, childPhysical, logical + "." + child.getName(), fields, out);
      }
    }
  }

  /** A list element shares its list's logical path; its own fields extend it. */
  private static void walkElement(
      Type element, List<String> physical, String logical, List<Field> fields, List<Leaf> out) {
    if (element.isPrimitive()) {
      out.add(new Leaf(String.join(".", physical), List.copyOf(fields)));
      return;
    }
    GroupType g = element.asGroupType();
    if (g.getLogicalTypeAnnotation() != null) {
      // A list of lists or maps: the element is a field of its own type at the same path.
      walk(element, physical, logical, fields, out);
      return;
    }
    for (Type child : g.getFields()) {
      List<String> childPhysical = new ArrayList<>(physical);
      childPhysical.add(child.getName());
      walk(child, childPhysical, logical + "." + child.getName(), fields, out);
    }
  }

  /** Spark-style type name of a field. */
  static String typeName(Type type) {
    if (type.isPrimitive()) {
      return primitiveName(type.asPrimitiveType());
    }
    GroupType g = type.asGroupType();
    LogicalTypeAnnotation a = g.getLogicalTypeAnnotation();
    if (a instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation && g.getFieldCount() == 1) {
      Type repeated = g.getType(0);
      Type element =
          repeated.isPrimitive() || repeated.asGroupType().getFieldCount() != 1
              ? repeated
              : repeated.asGroupType().getType(0);
      return "array<" + typeName(element) + ">";
    }
    if ((a instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation
            || a instanceof LogicalTypeAnnotation.MapKeyValueTypeAnnotation)
        && g.getFieldCount() == 1
        && !g.getType(0).isPrimitive()
        && g.getType(0).asGroupType().getFieldCount() == 2) {
      GroupType kv = g.getType(0).asGroupType();
      return "map<" + typeName(kv.getType(0)) + "," + typeName(kv.getType(1)) + ">";
    }
    return "struct";
  }

  private static String primitiveName(PrimitiveType p) {
    LogicalTypeAnnotation a = p.getLogicalTypeAnnotation();
    if (a instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
        || a instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
        || a instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation) {
      return "string";
    }
    if (a instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation) {
      return "decimal";
    }
    if (a instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation) {
      return "date";
    }
    if (a instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation) {
      return "timestamp";
    }
    if (a instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i && i.getBitWidth() < 32) {
      return i.getBitWidth() == 8 ? "tinyint" : "smallint";
    }
    return switch (p.getPrimitiveTypeName()) {
      case BOOLEAN -> "boolean";
      case INT32 -> "int";
      case INT64 -> "bigint";
      case INT96 -> "timestamp";
      case FLOAT -> "float";
      case DOUBLE -> "double";
      case BINARY, FIXED_LEN_BYTE_ARRAY -> "binary";
    };
  }
}
