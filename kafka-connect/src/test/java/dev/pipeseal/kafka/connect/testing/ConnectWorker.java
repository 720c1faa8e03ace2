package dev.pipeseal.kafka.connect.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.apache.kafka.connect.util.FutureCallback;

/**
 * A real standalone Connect worker (the one {@code connect-standalone.sh} starts) in this JVM, with
 * its REST server on a free port. Plugins are found on the class path through their ServiceLoader
 * manifests, as {@code plugin.discovery=service_load} does in production.
 */
public final class ConnectWorker implements AutoCloseable {
  private final Connect<StandaloneHerder> connect;

  private ConnectWorker(Connect<StandaloneHerder> connect) {
    this.connect = connect;
  }

  public static ConnectWorker start(String bootstrap, Path dir) {
    Map<String, String> p = new HashMap<>();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
    p.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
    p.put("offset.storage.file.filename", dir.resolve("offsets").toString());
    p.put("offset.flush.interval.ms", "1000");
    p.put("listeners", "http://127.0.0.1:0");
    p.put("plugin.discovery", "service_load");
    return new ConnectWorker(new ConnectStandalone().startConnect(p));
  }

  public void startConnector(String name, Map<String, String> config) throws Exception {
    Map<String, String> c = new HashMap<>(config);
    c.put("name", name);
    FutureCallback<org.apache.kafka.connect.runtime.Herder.Created<?>> cb = new FutureCallback<>();
    connect.herder().putConnectorConfig(name, c, false, (e, r) -> cb.onCompletion(e, r));
    cb.get(60, TimeUnit.SECONDS);
  }

  public void deleteConnector(String name) throws Exception {
    FutureCallback<Object> cb = new FutureCallback<>();
    connect.herder().deleteConnectorConfig(name, (e, r) -> cb.onCompletion(e, r));
    cb.get(60, TimeUnit.SECONDS);
  }

  /** Waits until task 0 of {@code name} is in a state {@code test} accepts; returns that state. */
  public ConnectorStateInfo.TaskState awaitTask(
      String name, Predicate<ConnectorStateInfo.TaskState> test, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    ConnectorStateInfo.TaskState last = null;
    while (System.nanoTime() < deadline) {
      try {
        ConnectorStateInfo s = connect.herder().connectorStatus(name);
        if (!s.tasks().isEmpty()) {
          last = s.tasks().get(0);
          if (test.test(last)) {
            return last;
          }
        }
      } catch (RuntimeException notYet) {
        // The connector is not registered yet.
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "task 0 of " + name + " did not reach the expected state; last: " + describe(last));
  }

  private static String describe(ConnectorStateInfo.TaskState s) {
    return s == null ? "none" : s.state() + " " + s.trace();
  }

  @Override
  public void close() {
    connect.stop();
    connect.awaitStop();
  }
}
