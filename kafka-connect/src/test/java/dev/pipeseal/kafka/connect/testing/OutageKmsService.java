package dev.pipeseal.kafka.connect.testing;

import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsService;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.local.LocalKmsService;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code outage:///path/keys.p12}: the local key store at that path, except that every KMS call
 * fails as an unreachable KMS does while {@link #down} is set.
 */
public final class OutageKmsService implements KmsService {
  public static volatile boolean down;

  @Override
  public boolean supports(URI uri) {
    return "outage".equals(uri.getScheme());
  }

  @Override
  public Kms create(URI uri, Map<String, String> config) {
    Kms local = new LocalKmsService().create(URI.create("local://" + uri.getPath()), config);
    return (Kms)
        Proxy.newProxyInstance(
            Kms.class.getClassLoader(),
            new Class<?>[] {Kms.class},
            (proxy, method, args) -> {
              if (down && CompletionStage.class.isAssignableFrom(method.getReturnType())) {
                return CompletableFuture.failedFuture(
                    new KmsUnavailableException(
                        local.providerId(), null, "connection refused (test outage)"));
              }
              try {
                return method.invoke(local, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
