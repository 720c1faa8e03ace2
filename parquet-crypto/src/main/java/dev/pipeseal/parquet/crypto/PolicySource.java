package dev.pipeseal.parquet.crypto;

import dev.pipeseal.parquet.policy.EncryptionPolicy;
import dev.pipeseal.parquet.policy.PolicyException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Reads the policy of a write or read: the policy file, overridden by Hadoop properties. */
final class PolicySource {
  private PolicySource() {}

  static EncryptionPolicy load(Configuration conf) {
    Map<String, String> props = new TreeMap<>();
    String file = conf.getTrimmed(EncryptionPolicy.POLICY_FILE);
    if (file != null && !file.isEmpty()) {
      props.putAll(readFile(new Path(file), conf));
    }
    conf.getPropsWithPrefix(EncryptionPolicy.PREFIX)
        .forEach((k, v) -> props.put(EncryptionPolicy.PREFIX + k, v));
    return EncryptionPolicy.fromProperties(props);
  }

  private static Map<String, String> readFile(Path path, Configuration conf) {
    Properties p = new Properties();
    try {
      FileSystem fs = path.getFileSystem(conf);
      try (InputStream in = fs.open(path)) {
        p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new PolicyException(
          "cannot read policy file '" + path + "' (" + EncryptionPolicy.POLICY_FILE + ")", e);
    }
    Map<String, String> out = new TreeMap<>();
    for (String name : p.stringPropertyNames()) {
      if (name.equals(EncryptionPolicy.POLICY_FILE)) {
        throw new PolicyException("policy file '" + path + "' must not name another policy file");
      }
      out.put(name, p.getProperty(name));
    }
    return out;
  }
}
