package dev.pipeseal.kms.rest;

import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.IntPredicate;

/**
 * Holds one provider's current bearer token and replaces it before it expires. One refresh at a
 * time however many callers ask; while a refresh fails, a token that has not yet expired keeps
 * being used. A call answered "unauthenticated" invalidates the token and is repeated once with a
 * fresh one (the token was revoked, or the clock was off).
 */
public final class TokenCache {
  private final Function<AccessToken, CompletableFuture<AccessToken>> fetch;
  private final Clock clock;
  private AccessToken current;
  private CompletableFuture<AccessToken> inFlight;

  /**
   * @param fetch gets a new token; it receives the previous one (or null) so it may renew that
   *     instead of logging in again
   * @param clock time source
   */
  public TokenCache(Function<AccessToken, CompletableFuture<AccessToken>> fetch, Clock clock) {
    this.fetch = fetch;
    this.clock = clock;
  }

  /** A usable token, refreshed if due. */
  public CompletableFuture<AccessToken> token() {
    CompletableFuture<AccessToken> refresh;
    AccessToken previous;
    synchronized (this) {
      if (current != null && !current.dueAt(clock.instant())) {
        return CompletableFuture.completedFuture(current);
      }
      if (inFlight != null) {
        return inFlight;
      }
      previous = current;
      refresh = new CompletableFuture<>();
      inFlight = refresh;
    }
    CompletableFuture<AccessToken> fetched;
    try {
      fetched = fetch.apply(previous);
    } catch (RuntimeException e) {
      fetched = CompletableFuture.failedFuture(e);
    }
    fetched.whenComplete(
        (token, failure) -> {
          AccessToken result;
          synchronized (this) {
            inFlight = null;
            if (failure == null) {
              current = token;
            }
            result = current;
          }
          if (failure == null) {
            refresh.complete(token);
          } else if (result != null && result.usableAt(clock.instant())) {
            refresh.complete(result);
          } else {
            refresh.completeExceptionally(HttpFailures.unwrap(failure));
          }
        });
    return refresh;
  }

  /** Drops {@code stale} so the next {@link #token()} fetches a new one. */
  public synchronized void invalidate(AccessToken stale) {
    if (current == stale) {
      current = null;
    }
  }

  /**
   * Runs {@code call} with a token; if the answer's status matches {@code unauthenticated}, drops
   * the token and runs it once more with a new one. Static tokens are re-read too: a token file may
   * have been replaced on disk (Vault Agent, a sidecar).
   */
  public CompletableFuture<RestResponse> authorized(
      Function<AccessToken, CompletableFuture<RestResponse>> call, IntPredicate unauthenticated) {
    return token()
        .thenCompose(
            token ->
                call.apply(token)
                    .thenCompose(
                        response -> {
                          if (!unauthenticated.test(response.status())) {
                            return CompletableFuture.completedFuture(response);
                          }
                          invalidate(token);
                          return token().thenCompose(call);
                        }));
  }
}
