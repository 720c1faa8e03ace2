package dev.pipeseal.kafka.connect.testing;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

/** Keeps every record its task receives under the {@code store} name, for the test to inspect. */
public final class CollectingSink extends SinkConnector {
  private static final Map<String, List<SinkRecord>> STORES = new ConcurrentHashMap<>();

  private Map<String, String> props;

  public static List<SinkRecord> store(String name) {
    return STORES.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>());
  }

  /** Waits until {@code store} holds at least {@code n} records (or 60 s pass). */
  public static List<SinkRecord> await(String name, int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (store(name).size() < n && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    return List.copyOf(store(name));
  }

  @Override
  public void start(Map<String, String> props) {
    this.props = Map.copyOf(props);
  }

  @Override
  public Class<? extends Task> taskClass() {
    return Collector.class;
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    return List.of(props);
  }

  @Override
  public void stop() {}

  @Override
  public ConfigDef config() {
    return new ConfigDef()
        .define("store", ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "store name");
  }

  @Override
  public String version() {
    return "test";
  }

  /** The task. */
  public static final class Collector extends SinkTask {
    private String store;

    @Override
    public void start(Map<String, String> props) {
      store = props.get("store");
    }

    @Override
    public void put(Collection<SinkRecord> records) {
      store(store).addAll(records);
    }

    @Override
    public void stop() {}

    @Override
    public String version() {
      return "test";
    }
  }
}
