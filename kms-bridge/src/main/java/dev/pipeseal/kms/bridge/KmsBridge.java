package dev.pipeseal.kms.bridge;

import dev.pipeseal.kms.ForwardingKms;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsProviders;
import dev.pipeseal.kms.KmsService;
import dev.pipeseal.kms.audit.AuditLog;
import dev.pipeseal.kms.audit.AuditSink;
import dev.pipeseal.kms.audit.AuditingKms;
import dev.pipeseal.kms.audit.FileAuditSink;
import dev.pipeseal.kms.audit.Slf4jAuditSink;
import dev.pipeseal.kms.cache.CacheStats;
import dev.pipeseal.kms.cache.CachingKms;
import dev.pipeseal.kms.hierarchy.KekKms;
import dev.pipeseal.kms.metrics.DataPathMetrics;
import dev.pipeseal.kms.metrics.InstrumentedKms;
import dev.pipeseal.kms.metrics.KmsMetrics;
import dev.pipeseal.kms.resilience.ResilientKms;
import dev.pipeseal.kms.routing.ReaderProvider;
import dev.pipeseal.kms.routing.RoutingKms;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one entry point connectors use: opens the provider for {@link KmsBridgeConfig#uri()} and
 * layers the decorators over it, outermost first:
 *
 * <pre>
 * Auditing( Instrumented( Caching( Kek( Resilient( Instrumented[provider]( provider ))))))
 * </pre>
 *
 * Why this order:
 *
 * <ul>
 *   <li><b>Auditing outermost</b>: one event per caller request, with the caller's context
 *       (captured on the caller's thread), including requests a cache answered (a cache hit is
 *       still a key access) and with the final outcome after retries, not one per attempt.
 *   <li><b>Instrumented</b> next: latency and errors as callers experience them, cache hits
 *       included; the cache's counters join the same snapshot.
 *   <li><b>Caching above the KEK layer</b>: a hit returns the DEK without even the local KEK
 *       decryption. The KEK layer keeps its own cache of KEKs below it.
 *   <li><b>KEK layer above Resilient</b>: its few KMS calls (make, unwrap or rewrap a KEK) get
 *       timeouts and retries; its local work never waits on a backoff.
 *   <li><b>Resilient innermost</b>: timeouts measure the provider alone, retries repeat only the
 *       remote call, and nothing above it ever sleeps.
 *   <li>A second, provider-level {@link InstrumentedKms} counts every real KMS attempt ({@link
 *       #providerMetrics()}), which is how operators check that steady state makes O(1) calls.
 * </ul>
 */
public final class KmsBridge extends ForwardingKms {
  private static final Logger LOG = LoggerFactory.getLogger(KmsBridge.class);

  private final KmsBridgeConfig config;
  private final Kms provider;
  private final InstrumentedKms callerMetrics;
  private final InstrumentedKms providerCalls;
  private final AuditLog audit;

  private KmsBridge(
      KmsBridgeConfig config,
      Kms provider,
      Kms top,
      InstrumentedKms callerMetrics,
      InstrumentedKms providerCalls,
      AuditLog audit) {
    super(top);
    this.config = config;
    this.provider = provider;
    this.callerMetrics = callerMetrics;
    this.providerCalls = providerCalls;
    this.audit = audit;
  }

  /**
   * This bridge's audit trail ({@code audit.sink}), for operations on keys kept outside the KMS
   * such as a registry shred; empty when auditing is off.
   */
  public Optional<AuditLog> auditLog() {
    return Optional.ofNullable(audit);
  }

  /** Parses {@code properties} (see {@link KmsBridgeConfig#fromProperties(Map)}) and opens. */
  public static KmsBridge open(Map<String, String> properties) {
    return open(KmsBridgeConfig.fromProperties(properties));
  }

  /** Opens the configured provider through {@link KmsProviders} and builds the stack over it. */
  public static KmsBridge open(KmsBridgeConfig config) {
    Kms writer =
        KmsProviders.open(config.uri(), withTimeout(config.providerConfig(), config), LOG::warn);
    if (config.readers().isEmpty()) {
      return assemble(writer, config, Clock.systemUTC());
    }
    List<Kms> readers = new ArrayList<>();
    try {
      for (ReaderProvider r : config.readers()) {
        readers.add(KmsProviders.open(r.uri(), withTimeout(r.config(), config), LOG::warn));
      }
      return assemble(new RoutingKms(writer, readers), config, Clock.systemUTC());
    } catch (RuntimeException e) {
      readers.forEach(Kms::close);
      writer.close();
      throw e;
    }
  }

  // Providers with a client timeout of their own align it with the per-attempt timeout above them.
  private static Map<String, String> withTimeout(
      Map<String, String> providerConfig, KmsBridgeConfig config) {
    Map<String, String> out = new HashMap<>(providerConfig);
    out.putIfAbsent(KmsService.BRIDGE_TIMEOUT, config.resilience().timeout().toMillis() + "ms");
    return out;
  }

  /**
   * Builds the stack over an already open provider; the bridge owns and closes it. For hosts that
   * construct providers themselves, and for tests.
   */
  public static KmsBridge assemble(Kms provider, KmsBridgeConfig config, Clock clock) {
    AuditLog audit = null;
    try {
      audit = auditLog(config, clock);
      InstrumentedKms providerCalls = new InstrumentedKms(provider);
      Kms kms = new ResilientKms(providerCalls, config.resilience());
      AuditLog log = audit;
      if (config.kekEnabled()) {
        kms =
            new KekKms(
                kms,
                config.kek(),
                System::nanoTime,
                log == null ? null : log::destroyed,
                provider instanceof RoutingKms r
                    ? r.providers().keySet()
                    : Set.of(provider.providerId()));
      }
      Supplier<KmsMetrics.Cache> cacheStats = () -> KmsMetrics.Cache.NONE;
      if (config.cacheEnabled()) {
        CachingKms caching =
            new CachingKms(
                kms, config.cache(), System::nanoTime, log == null ? null : log::destroyed, true);
        cacheStats =
            () -> {
              CacheStats s = caching.stats();
              return new KmsMetrics.Cache(
                  s.hits(), s.misses(), s.evictions(), s.expirations(), s.size());
            };
        kms = caching;
      }
      InstrumentedKms callerMetrics = new InstrumentedKms(kms, cacheStats, System::nanoTime);
      kms = callerMetrics;
      // The data path's MBean is there from the first bridge on, before the first value.
      DataPathMetrics.exportOnce();
      if (audit != null) {
        kms = new AuditingKms(kms, audit);
      }
      return new KmsBridge(config, provider, kms, callerMetrics, providerCalls, audit);
    } catch (RuntimeException e) {
      if (audit != null) {
        audit.close();
      }
      provider.close();
      throw e instanceof KmsConfigException
          ? e
          : new KmsConfigException(
              provider.providerId(), null, "cannot assemble KMS bridge: " + e.getMessage(), e);
    }
  }

  private static AuditLog auditLog(KmsBridgeConfig config, Clock clock) {
    AuditSink sink =
        switch (config.auditSink()) {
          case SLF4J -> new Slf4jAuditSink();
          case FILE -> new FileAuditSink(config.auditFile());
          case NONE -> null;
        };
    return sink == null
        ? null
        : new AuditLog(sink, config.auditPrincipal(), config.auditContext(), clock);
  }

  /** The configuration this bridge was built from. */
  public KmsBridgeConfig config() {
    return config;
  }

  /** Calls, errors and latency as callers saw them, with the DEK cache's counters. */
  public KmsMetrics metrics() {
    return callerMetrics.snapshot();
  }

  /** Every attempt that reached the provider (retries included). */
  public KmsMetrics providerMetrics() {
    return providerCalls.snapshot();
  }

  /**
   * Key management on the provider, if it supports it. Goes straight to the provider: admin calls
   * are neither cached, retried nor audited here (the admin CLI audits its own actions).
   */
  public Optional<KmsAdmin> admin() {
    Kms writer = provider instanceof RoutingKms r ? r.writer() : provider;
    return writer instanceof KmsAdmin a ? Optional.of(a) : Optional.empty();
  }

  /**
   * Key management on one configured provider by id (the writer or a reader), for migration and
   * admin tools that work on both sides.
   */
  public Optional<KmsAdmin> admin(String providerId) {
    Kms kms =
        provider instanceof RoutingKms r
            ? r.providers().get(providerId)
            : provider.providerId().equals(providerId) ? provider : null;
    return kms instanceof KmsAdmin a ? Optional.of(a) : Optional.empty();
  }

  /**
   * Writes an admin action to this bridge's audit trail (nothing when auditing is off); see {@link
   * AuditLog#admin}. Admin calls bypass the decorators, so admin tools record them here.
   */
  public void auditAdmin(
      String providerId,
      String keyName,
      String version,
      String operation,
      String outcome,
      String reason) {
    if (audit != null) {
      audit.admin(providerId, keyName, version, operation, outcome, reason);
    }
  }

  /** Destroys cached keys, stops background threads, closes the provider and the audit sink. */
  @Override
  public void close() {
    super.close();
  }
}
