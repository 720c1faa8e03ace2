package dev.pipeseal.kms.rest;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.secret.SecretSource;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The part of a REST KMS provider that does not depend on the service's API: one {@link RestClient}
 * and {@link TokenCache} per provider, the master key name rules and URI pinning, and the mapping
 * of every call's outcome onto the SPI's typed exceptions. A subclass says how a path becomes a
 * URL, how a request is authorized, how the service words its errors and how a key reads.
 *
 * <p>Synchronous validation failures are returned as failed futures, never thrown, because the SPI
 * promises callers of the asynchronous operations a {@link CompletionStage} in every case.
 */
public abstract class RestKms implements Kms, KmsAdmin {
  /**
   * How a provider names its master keys.
   *
   * @param valid whether a name is acceptable to the service
   * @param invalid the message for a name that is not
   * @param noun what the service calls a key, for the pinning message
   */
  public record KeyNames(Predicate<String> valid, String invalid, String noun) {}

  private final String provider;
  private final KeyNames names;
  private final Optional<String> pinnedKey;
  private final int unauthenticatedStatus;

  /** The provider's HTTP client, owned and closed here. */
  protected final RestClient client;

  /** The provider's bearer token, fetched through {@link #fetchToken(AccessToken)}. */
  protected final TokenCache tokens;

  /**
   * @param provider provider id
   * @param rest timeout and TLS trust
   * @param secrets resolves secret references
   * @param clock time source of the token cache
   * @param names the master key name rules
   * @param pinnedKey the one key the provider URI names, or empty
   * @param unauthenticatedStatus the status with which the service refuses a stale token; the call
   *     is repeated once with a new token
   */
  protected RestKms(
      String provider,
      RestSettings rest,
      SecretSource secrets,
      Clock clock,
      KeyNames names,
      Optional<String> pinnedKey,
      int unauthenticatedStatus) {
    this.provider = provider;
    this.names = names;
    this.pinnedKey = pinnedKey;
    this.unauthenticatedStatus = unauthenticatedStatus;
    this.client = new RestClient(provider, rest, secrets);
    this.tokens = new TokenCache(this::fetchToken, clock);
  }

  /** Gets a new token; {@code previous} (or null) may be renewed instead of logging in again. */
  protected abstract CompletableFuture<AccessToken> fetchToken(AccessToken previous);

  /** The URL of a path as the provider's calls name it. */
  protected abstract URI resolve(String path);

  /** The typed error for a non-2xx answer, read from the service's error body. */
  protected abstract KmsException errorFor(String operation, String keyName, RestResponse response);

  /** Reads the answer to a key read (or create) into the SPI's description. */
  protected abstract MasterKeyInfo info(String name, Json key);

  /** The path of the key read for {@link #describe(String)}. */
  protected abstract String keyPath(String name);

  /**
   * The keys when the URI pins none. Services that list names only hand them to {@link
   * #describeAll(List)}.
   */
  protected abstract List<MasterKeyInfo> listAllKeys();

  /** Sets the credential headers of a request; {@code token} is null for a login. */
  protected void authorize(HttpRequest.Builder request, AccessToken token) {
    request.header("Authorization", "Bearer " + token.value());
  }

  @Override
  public final String providerId() {
    return provider;
  }

  @Override
  public CompletableFuture<MasterKeyInfo> describe(String masterKeyName) {
    return guarded(
        () -> {
          checkName(masterKeyName);
          return call("describe", masterKeyName, "GET", keyPath(masterKeyName), null)
              .thenApply(json -> info(masterKeyName, json));
        });
  }

  @Override
  public final List<MasterKeyInfo> listKeys() {
    if (pinnedKey.isPresent()) {
      return describeAll(List.of(pinnedKey.get()));
    }
    return listAllKeys();
  }

  @Override
  public void close() {
    client.close();
  }

  // ---- for subclasses

  /** The provider id, for messages. */
  protected final String provider() {
    return provider;
  }

  /** Runs {@code call}, returning a {@link KmsException} it throws as a failed future. */
  protected static <T> CompletableFuture<T> guarded(Supplier<? extends CompletionStage<T>> call) {
    try {
      return call.get().toCompletableFuture();
    } catch (KmsException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Sorted by name, each described by its own key read. */
  protected final List<MasterKeyInfo> describeAll(List<String> keyNames) {
    List<String> sorted = new ArrayList<>(keyNames);
    sorted.sort(null);
    List<MasterKeyInfo> out = new ArrayList<>(sorted.size());
    for (String n : sorted) {
      out.add(KmsCalls.await(describe(n)));
    }
    return out;
  }

  /**
   * Fails unless {@code name} is a valid key name and, when the URI pins a key, that key: a
   * provider opened for one key must not reach others with the same credentials.
   */
  protected final void checkName(String name) {
    if (!names.valid().test(name)) {
      throw new UnknownKeyException(provider, name, names.invalid());
    }
    if (pinnedKey.isPresent() && !pinnedKey.get().equals(name)) {
      throw new UnknownKeyException(
          provider,
          name,
          "this provider's URI names " + names.noun() + " '" + pinnedKey.get() + "' only");
    }
  }

  /**
   * Fails unless the wrapped key was made by this provider with an algorithm it knows; {@code what}
   * names the kind of wrapped key expected, with its article.
   */
  protected final void checkOrigin(WrappedKey wrapped, Predicate<String> algorithm, String what) {
    if (!provider.equals(wrapped.provider()) || !algorithm.test(wrapped.algorithm())) {
      throw new InvalidWrappedKeyException(
          provider,
          wrapped.masterKeyName(),
          "not " + what + " wrapped key (" + wrapped.provider() + ", " + wrapped.algorithm() + ")");
    }
  }

  /** Fails the create of a key that exists, for services whose create would add a version. */
  protected final void checkAbsent(String masterKeyName, String exists) {
    try {
      KmsCalls.await(describe(masterKeyName));
      throw new KmsException(provider, masterKeyName, "create failed: " + exists);
    } catch (UnknownKeyException expected) {
      // Not there yet: create it.
    }
  }

  /**
   * A new DEK made here and wrapped by the service, for services without a data-key call; the DEK
   * is destroyed if wrapping fails.
   */
  protected final CompletableFuture<DataKeyPair> wrapNewDataKey(
      String masterKeyName, Function<DataKey, CompletableFuture<WrappedKey>> wrap) {
    DataKey dek = DataKey.generate();
    return wrap.apply(dek)
        .handle(
            (wrapped, failure) -> {
              if (failure != null) {
                dek.close();
                throw HttpFailures.forTransport(
                    provider, masterKeyName, "generate data key", failure);
              }
              return new DataKeyPair(dek, wrapped);
            });
  }

  /**
   * Rewraps by unwrapping and wrapping again, for services without a re-encrypt call; only when the
   * key's current version moved, so an up-to-date wrapped key costs one key read.
   */
  protected final CompletableFuture<WrappedKey> rewrapIfMoved(
      WrappedKey wrapped,
      Supplier<CompletableFuture<DataKey>> unwrap,
      BiFunction<MasterKeyInfo, DataKey, CompletableFuture<WrappedKey>> wrap) {
    return describe(wrapped.masterKeyName())
        .thenCompose(
            info -> {
              if (info.currentVersion().equals(wrapped.masterKeyVersion())) {
                return CompletableFuture.completedFuture(wrapped);
              }
              return unwrap
                  .get()
                  .thenCompose(dek -> wrap.apply(info, dek).whenComplete((w, f) -> dek.close()));
            });
  }

  /** {@link #call(String, String, String, URI, String)} on {@link #resolve(String)}. */
  protected final CompletableFuture<Json> call(
      String operation, String keyName, String method, String path, String body) {
    return call(operation, keyName, method, resolve(path), body);
  }

  /**
   * One authorized call whose answer is JSON; every failure comes out as the SPI's typed exception.
   */
  protected final CompletableFuture<Json> call(
      String operation, String keyName, String method, URI url, String body) {
    return tokens
        .authorized(
            token -> client.send(request(method, url, body, token)),
            status -> status == unauthenticatedStatus)
        .handle(
            (response, failure) -> {
              if (failure != null) {
                throw HttpFailures.forTransport(provider, keyName, operation, failure);
              }
              if (!response.ok()) {
                throw errorFor(operation, keyName, response);
              }
              try {
                return response.json();
              } catch (IllegalArgumentException e) {
                throw HttpFailures.malformed(provider, keyName, operation, e.getMessage());
              }
            });
  }

  /** A request with the credential headers and, if {@code body} is not null, a JSON body. */
  protected final HttpRequest request(String method, URI url, String body, AccessToken token) {
    HttpRequest.Builder b = client.request(url);
    authorize(b, token);
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json");
      b.method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    return b.build();
  }

  /** A non-empty string at {@code path}, or a malformed-answer error. */
  protected final String field(Json json, String path, String keyName, String operation) {
    return json.at(path)
        .string()
        .filter(s -> !s.isEmpty())
        .orElseThrow(() -> HttpFailures.malformed(provider, keyName, operation, "no " + path));
  }
}
