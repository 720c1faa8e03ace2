package dev.pipeseal.kms.audit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs each event as one JSON line at INFO on logger {@value #LOGGER}, so operators route audit
 * lines with their usual logging configuration.
 */
public final class Slf4jAuditSink implements AuditSink {
  public static final String LOGGER = "pipeseal.audit";

  private final Logger logger;

  public Slf4jAuditSink() {
    this(LoggerFactory.getLogger(LOGGER));
  }

  Slf4jAuditSink(Logger logger) {
    this.logger = logger;
  }

  @Override
  public void write(AuditEvent event) {
    logger.info("{}", event.toJson());
  }
}
