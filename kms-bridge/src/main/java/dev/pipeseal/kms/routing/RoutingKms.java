package dev.pipeseal.kms.routing;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.WrappedKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One writer provider and any number of reader providers as a single {@link Kms}. New keys, {@link
 * #wrap} and {@link #describe} go to the writer; {@link #unwrap}, {@link #rewrap} and {@link
 * #rewrapAll} go to the provider whose id the wrapped key records, so a rewrap stays within its
 * provider (moving keys between providers is migration, not rewrap). A key of a provider that is
 * not configured fails with a {@link KmsConfigException} naming that provider and the key, before
 * any call.
 */
public final class RoutingKms implements Kms {
  private final Kms writer;
  private final Map<String, Kms> byProvider;

  /**
   * @param writer the default provider; also a reader of its own keys
   * @param readers further providers; ids must differ from each other and from the writer's
   */
  public RoutingKms(Kms writer, Collection<Kms> readers) {
    this.writer = writer;
    Map<String, Kms> map = new LinkedHashMap<>();
    map.put(writer.providerId(), writer);
    for (Kms r : readers) {
      Kms previous = map.putIfAbsent(r.providerId(), r);
      if (previous != null) {
        throw new KmsConfigException(
            r.providerId(),
            null,
            "two configured providers record the same provider id '"
                + r.providerId()
                + "', so their wrapped keys could not be told apart; configure one of them");
      }
    }
    this.byProvider = map;
  }

  /** The provider new keys come from. */
  public Kms writer() {
    return writer;
  }

  /** Every configured provider by id, the writer first. */
  public Map<String, Kms> providers() {
    return Map.copyOf(byProvider);
  }

  @Override
  public String providerId() {
    return writer.providerId();
  }

  @Override
  public CompletionStage<DataKeyPair> generateDataKey(String masterKeyName) {
    return writer.generateDataKey(masterKeyName);
  }

  @Override
  public CompletionStage<DataKey> unwrap(WrappedKey wrapped) {
    Kms kms = byProvider.get(wrapped.provider());
    return kms == null ? unconfigured(wrapped) : kms.unwrap(wrapped);
  }

  @Override
  public CompletionStage<WrappedKey> rewrap(WrappedKey wrapped) {
    Kms kms = byProvider.get(wrapped.provider());
    return kms == null ? unconfigured(wrapped) : kms.rewrap(wrapped);
  }

  /** One batch per provider, results in input order. */
  @Override
  public CompletionStage<List<WrappedKey>> rewrapAll(List<WrappedKey> wrapped) {
    Map<String, List<Integer>> groups = new LinkedHashMap<>();
    for (int i = 0; i < wrapped.size(); i++) {
      WrappedKey w = wrapped.get(i);
      if (!byProvider.containsKey(w.provider())) {
        return unconfigured(w);
      }
      groups.computeIfAbsent(w.provider(), k -> new ArrayList<>()).add(i);
    }
    WrappedKey[] out = new WrappedKey[wrapped.size()];
    List<CompletableFuture<Void>> parts = new ArrayList<>();
    groups.forEach(
        (provider, indexes) -> {
          List<WrappedKey> batch = new ArrayList<>(indexes.size());
          indexes.forEach(i -> batch.add(wrapped.get(i)));
          parts.add(
              byProvider
                  .get(provider)
                  .rewrapAll(batch)
                  .thenAccept(
                      result -> {
                        for (int j = 0; j < indexes.size(); j++) {
                          out[indexes.get(j)] = result.get(j);
                        }
                      })
                  .toCompletableFuture());
        });
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
        .thenApply(ignored -> List.of(out));
  }

  /** To the writer: wrapping an existing key is how keys move to the writer (migration). */
  @Override
  public CompletionStage<WrappedKey> wrap(DataKey dek, String masterKeyName) {
    return writer.wrap(dek, masterKeyName);
  }

  @Override
  public CompletionStage<MasterKeyInfo> describe(String masterKeyName) {
    return writer.describe(masterKeyName);
  }

  @Override
  public void close() {
    RuntimeException first = null;
    for (Kms kms : byProvider.values()) {
      try {
        kms.close();
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  @Override
  public String toString() {
    return "RoutingKms[writer=" + writer.providerId() + ", readers=" + byProvider.keySet() + "]";
  }

  private <T> CompletionStage<T> unconfigured(WrappedKey wrapped) {
    return CompletableFuture.failedFuture(
        new KmsConfigException(
            wrapped.provider(),
            wrapped.masterKeyName(),
            "no provider with id '"
                + wrapped.provider()
                + "' is configured (configured: "
                + byProvider.keySet()
                + "); add it for reading as pipeseal.kms.providers.NAME.uri"));
  }
}
