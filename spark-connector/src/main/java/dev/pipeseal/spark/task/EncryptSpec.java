package dev.pipeseal.spark.task;

import dev.pipeseal.spark.config.PipesealSparkConfig;
import dev.pipeseal.spark.keys.ColumnKey;
import java.io.Serializable;

/**
 * What an encrypting expression ships to executors (no key material).
 *
 * @param function SQL function name, for messages
 * @param column the column the value comes from (or "expression"), for messages
 * @param context the associated-data binding (UTF-8)
 * @param key master key name and key reference
 * @param config the settings that open the executor's key services
 */
public record EncryptSpec(
    String function, String column, String context, ColumnKey key, PipesealSparkConfig config)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  public boolean deterministic() {
    return key.algorithm().isDeterministic();
  }

  @Override
  public String toString() {
    return "key=" + key.masterKey() + ", context=" + context;
  }
}
