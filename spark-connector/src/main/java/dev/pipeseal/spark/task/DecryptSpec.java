package dev.pipeseal.spark.task;

import dev.pipeseal.spark.config.PipesealSparkConfig;
import dev.pipeseal.spark.values.ValueType;
import java.io.Serializable;

/**
 * What a decrypting expression ships to executors.
 *
 * @param function SQL function name, for messages
 * @param column the column the value comes from (or "expression"), for messages
 * @param context the associated-data binding (UTF-8)
 * @param type the type tag expected, or null to return the raw plaintext (untagged payloads such as
 *     Kafka record values)
 * @param precision decimal precision (decimal only)
 * @param scale decimal scale (decimal only)
 * @param tryMode return null instead of failing
 * @param config the settings that open the executor's key services
 */
public record DecryptSpec(
    String function,
    String column,
    String context,
    ValueType type,
    int precision,
    int scale,
    boolean tryMode,
    PipesealSparkConfig config)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  @Override
  public String toString() {
    return "type=" + (type == null ? "raw" : type.sqlName()) + ", context=" + context;
  }
}
