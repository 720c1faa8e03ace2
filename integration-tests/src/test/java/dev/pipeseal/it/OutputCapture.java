package dev.pipeseal.it;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Everything this JVM writes while it is open: log4j2 events (Spark, Kafka, Hadoop, Pipeseal
 * through SLF4J) with their messages, context and thrown exceptions, and whatever reaches {@code
 * System.out} and {@code System.err} directly (printed stack traces, SLF4J's simple logger, CLI
 * output). Output still reaches the console.
 *
 * <p>log4j2's console appender holds the original streams, so logs are captured by an appender of
 * their own; Pipeseal's loggers are opened down to TRACE, everything else to INFO, so messages that
 * a production config would show are scanned.
 */
final class OutputCapture implements AutoCloseable {
  private static final String APPENDER = "pipeseal-leak-sweep";
  private final PrintStream originalOut = System.out;
  private final PrintStream originalErr = System.err;
  private final ByteArrayOutputStream streams = new ByteArrayOutputStream();
  private final List<String> events = new ArrayList<>();
  private final Appender appender = new Appender();
  private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
  private final Level rootLevel;

  private OutputCapture() {
    System.setOut(new PrintStream(new Tee(originalOut, streams), true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(new Tee(originalErr, streams), true, StandardCharsets.UTF_8));
    Configuration config = context.getConfiguration();
    appender.start();
    config.addAppender(appender);
    LoggerConfig root = config.getRootLogger();
    rootLevel = root.getLevel();
    root.addAppender(appender, Level.ALL, null);
    reopen();
  }

  /**
   * Opens the levels again after code under test lowered them (Spark's {@code setLogLevel}, which
   * the demo calls, sets the root logger).
   */
  void reopen() {
    LoggerConfig root = context.getConfiguration().getRootLogger();
    if (root.getLevel().intLevel() < Level.INFO.intLevel()) {
      root.setLevel(Level.INFO);
    }
    context.updateLoggers();
    Configurator.setLevel("dev.pipeseal", Level.TRACE);
  }

  static OutputCapture start() {
    return new OutputCapture();
  }

  /** Log events so far, one string each (logger, level, message, context, trace). */
  List<String> events() {
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  /** What reached System.out and System.err so far. */
  String streams() {
    synchronized (streams) {
      return streams.toString(StandardCharsets.UTF_8);
    }
  }

  @Override
  public void close() {
    System.setOut(originalOut);
    System.setErr(originalErr);
    Configuration config = context.getConfiguration();
    config.getRootLogger().removeAppender(APPENDER);
    config.getRootLogger().setLevel(rootLevel);
    context.updateLoggers();
    Configurator.setLevel("dev.pipeseal", rootLevel);
    appender.stop();
  }

  private final class Appender extends AbstractAppender {
    Appender() {
      super(APPENDER, null, null, true, Property.EMPTY_ARRAY);
    }

    @Override
    public void append(LogEvent e) {
      StringBuilder b = new StringBuilder();
      b.append(e.getLoggerName())
          .append(' ')
          .append(e.getLevel())
          .append(' ')
          .append(e.getMessage().getFormattedMessage());
      if (!e.getContextData().isEmpty()) {
        b.append(' ').append(e.getContextData());
      }
      if (e.getThrown() != null) {
        StringWriter w = new StringWriter();
        e.getThrown().printStackTrace(new PrintWriter(w));
        b.append('\n').append(w);
      }
      synchronized (events) {
        events.add(b.toString());
      }
    }
  }

  /** Writes to the console and to the capture buffer. */
  private final class Tee extends OutputStream {
    private final OutputStream console;
    private final ByteArrayOutputStream copy;

    Tee(OutputStream console, ByteArrayOutputStream copy) {
      this.console = console;
      this.copy = copy;
    }

    @Override
    public void write(int b) {
      synchronized (streams) {
        copy.write(b);
      }
      try {
        console.write(b);
      } catch (java.io.IOException ignored) {
        // The console is a convenience; the copy is what the sweep scans.
      }
    }

    @Override
    public void write(byte[] b, int off, int len) {
      synchronized (streams) {
        copy.write(b, off, len);
      }
      try {
        console.write(b, off, len);
      } catch (java.io.IOException ignored) {
        // as above
      }
    }

    @Override
    public void flush() throws java.io.IOException {
      console.flush();
    }
  }
}
