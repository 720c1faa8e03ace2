package dev.pipeseal.kafka.connect;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

/**
 * Finds the configured fields (JSON pointers, as in {@code pipeseal.fields} of the serializer) in a
 * {@code Struct} with its schema or in a schemaless {@code Map}, and rebuilds the record with those
 * fields replaced. Inputs are never modified: Connect may hand the same record to other
 * transformations or retry it. Fields that a record does not have are left out, as in the
 * serializer's field modes.
 */
final class FieldWalker {
  /** Replaces one non-null field value; {@code schema} is null for schemaless records. */
  interface Leaf {
    Object apply(Schema schema, Object value, String pointer);
  }

  private final Set<String> targets;
  private final Set<String> parents = new HashSet<>();

  FieldWalker(List<String> pointers) {
    this.targets = Set.copyOf(pointers);
    for (String p : pointers) {
      for (int i = p.indexOf('/', 1); i > 0; i = p.indexOf('/', i + 1)) {
        parents.add(p.substring(0, i));
      }
    }
  }

  static String pointer(String parent, String name) {
    return parent + "/" + name.replace("~", "~0").replace("/", "~1");
  }

  /** The schema with each target field's schema replaced by {@code leaf}'s. */
  Schema schema(Schema struct, BiFunction<Schema, String, Schema> leaf) {
    return schema(struct, "", leaf);
  }

  private Schema schema(Schema struct, String prefix, BiFunction<Schema, String, Schema> leaf) {
    SchemaBuilder b = SchemaBuilder.struct().name(struct.name()).version(struct.version());
    if (struct.doc() != null) {
      b.doc(struct.doc());
    }
    if (struct.parameters() != null) {
      b.parameters(struct.parameters());
    }
    if (struct.isOptional()) {
      b.optional();
    }
    for (Field f : struct.fields()) {
      String p = pointer(prefix, f.name());
      Schema s = f.schema();
      if (targets.contains(p)) {
        b.field(f.name(), leaf.apply(s, p));
      } else if (parents.contains(p) && s.type() == Schema.Type.STRUCT) {
        b.field(f.name(), schema(s, p, leaf));
      } else {
        b.field(f.name(), s);
      }
    }
    return b.build();
  }

  /** A copy of {@code in} under {@code outSchema} (from {@link #schema}), targets replaced. */
  Struct struct(Struct in, Schema outSchema, Leaf leaf) {
    return struct(in, outSchema, "", leaf);
  }

  private Struct struct(Struct in, Schema outSchema, String prefix, Leaf leaf) {
    Struct out = new Struct(outSchema);
    for (Field f : in.schema().fields()) {
      String p = pointer(prefix, f.name());
      Object v = in.get(f);
      if (v != null && targets.contains(p)) {
        v = leaf.apply(f.schema(), v, p);
      } else if (v != null && parents.contains(p) && v instanceof Struct nested) {
        v = struct(nested, outSchema.field(f.name()).schema(), p, leaf);
      }
      out.put(f.name(), v);
    }
    return out;
  }

  /** A copy of a schemaless value with targets replaced. */
  Map<Object, Object> map(Map<?, ?> in, Leaf leaf) {
    return map(in, "", leaf);
  }

  private Map<Object, Object> map(Map<?, ?> in, String prefix, Leaf leaf) {
    Map<Object, Object> out = new LinkedHashMap<>(in);
    for (Map.Entry<?, ?> e : in.entrySet()) {
      if (!(e.getKey() instanceof String name) || e.getValue() == null) {
        continue;
      }
      String p = pointer(prefix, name);
      if (targets.contains(p)) {
        out.put(name, leaf.apply(null, e.getValue(), p));
      } else if (parents.contains(p) && e.getValue() instanceof Map<?, ?> nested) {
        out.put(name, map(nested, p, leaf));
      }
    }
    return out;
  }
}
