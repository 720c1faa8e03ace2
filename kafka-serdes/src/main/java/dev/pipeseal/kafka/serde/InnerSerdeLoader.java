package dev.pipeseal.kafka.serde;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.utils.Utils;

/** Instantiates the inner serializer, deserializer or serde named in configuration. */
final class InnerSerdeLoader {
  private InnerSerdeLoader() {}

  static <T> T instantiate(String property, String className, Class<T> type) {
    try {
      Class<?> c = Utils.loadClass(className, Object.class);
      if (!type.isAssignableFrom(c)) {
        throw new ConfigException(property, className, "is not a " + type.getName());
      }
      return type.cast(Utils.newInstance(c));
    } catch (ClassNotFoundException | RuntimeException e) {
      if (e instanceof ConfigException ce) {
        throw ce;
      }
      throw new ConfigException(property, className, "cannot be loaded: " + e.getMessage());
    }
  }
}
