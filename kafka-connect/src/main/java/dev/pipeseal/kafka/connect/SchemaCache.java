package dev.pipeseal.kafka.connect;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.connect.data.Schema;

/**
 * Rebuilt schemas by input schema. A task sees few distinct schemas, and reusing one output schema
 * instance keeps converters' own schema caches (JSON, Avro) effective.
 */
final class SchemaCache {
  private static final int MAX = 32;

  private final Map<Schema, Schema> cache =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Schema, Schema> eldest) {
          return size() > MAX;
        }
      };

  synchronized Schema get(Schema in, Function<Schema, Schema> build) {
    Schema out = cache.get(in);
    if (out == null) {
      out = build.apply(in);
      cache.put(in, out);
    }
    return out;
  }
}
