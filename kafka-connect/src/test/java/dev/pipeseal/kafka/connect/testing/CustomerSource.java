package dev.pipeseal.kafka.connect.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

/** Emits {@code count} {@link Customers} records to {@code topic} once, then nothing. */
public final class CustomerSource extends SourceConnector {
  private Map<String, String> props;

  @Override
  public void start(Map<String, String> props) {
    this.props = Map.copyOf(props);
  }

  @Override
  public Class<? extends Task> taskClass() {
    return Emitter.class;
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
        .define("topic", ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "target topic")
        .define("count", ConfigDef.Type.INT, 5, ConfigDef.Importance.HIGH, "records");
  }

  @Override
  public String version() {
    return "test";
  }

  /** The task. */
  public static final class Emitter extends SourceTask {
    private String topic;
    private int count;
    private boolean done;

    @Override
    public void start(Map<String, String> props) {
      topic = props.get("topic");
      count = Integer.parseInt(props.getOrDefault("count", "5"));
    }

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
      if (done) {
        Thread.sleep(100);
        return null;
      }
      done = true;
      List<SourceRecord> out = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        out.add(
            new SourceRecord(
                Map.of("source", topic),
                Map.of("i", i),
                topic,
                0,
                Schema.STRING_SCHEMA,
                Customers.key(i),
                Customers.SCHEMA,
                Customers.value(i)));
      }
      return out;
    }

    @Override
    public void stop() {}

    @Override
    public String version() {
      return "test";
    }
  }
}
