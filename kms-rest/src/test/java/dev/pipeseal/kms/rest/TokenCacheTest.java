package dev.pipeseal.kms.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.kms.AccessDeniedException;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.testing.MutableClock;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class TokenCacheTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final List<AccessToken> previous = new ArrayList<>();
  private int fetched;
  private boolean failFetch;

  private CompletableFuture<AccessToken> fetch(AccessToken prev) {
    previous.add(prev);
    if (failFetch) {
      return CompletableFuture.failedFuture(new AccessDeniedException("p", null, "login refused"));
    }
    fetched++;
    return CompletableFuture.completedFuture(
        AccessToken.expiringIn("t" + fetched, Duration.ofMinutes(60), clock.instant(), false));
  }

  @Test
  void refreshesFiveMinutesBeforeExpiryAndKeepsAValidTokenWhenRefreshFails() {
    TokenCache cache = new TokenCache(this::fetch, clock);
    assertThat(KmsCalls.await(cache.token()).value()).isEqualTo("t1");
    clock.advance(Duration.ofMinutes(54));
    assertThat(KmsCalls.await(cache.token()).value()).isEqualTo("t1");
    clock.advance(Duration.ofMinutes(1));
    assertThat(KmsCalls.await(cache.token()).value()).isEqualTo("t2");
    assertThat(previous.get(1).value()).isEqualTo("t1");

    clock.advance(Duration.ofMinutes(56));
    failFetch = true;
    assertThat(KmsCalls.await(cache.token()).value()).isEqualTo("t2"); // still valid for 4 min
    clock.advance(Duration.ofMinutes(5));
    Assertions.assertThatThrownBy(() -> KmsCalls.await(cache.token()))
        .isInstanceOf(AccessDeniedException.class);
  }

  @Test
  void anUnauthenticatedAnswerIsRetriedOnceWithANewToken() {
    TokenCache cache = new TokenCache(this::fetch, clock);
    List<String> sent = new ArrayList<>();
    RestResponse denied = new RestResponse(401, HttpHeaders.of(Map.of(), (a, b) -> true), "");
    RestResponse ok = new RestResponse(200, HttpHeaders.of(Map.of(), (a, b) -> true), "{}");
    RestResponse r =
        KmsCalls.await(
            cache.authorized(
                t -> {
                  sent.add(t.value());
                  return CompletableFuture.completedFuture(sent.size() == 1 ? denied : ok);
                },
                s -> s == 401));
    assertThat(r.status()).isEqualTo(200);
    assertThat(sent).containsExactly("t1", "t2");

    sent.clear();
    RestResponse stillDenied =
        KmsCalls.await(
            cache.authorized(
                t -> {
                  sent.add(t.value());
                  return CompletableFuture.completedFuture(denied);
                },
                s -> s == 401));
    assertThat(stillDenied.status()).isEqualTo(401);
    assertThat(sent).hasSize(2);
    assertThat(AccessToken.permanent("abc").toString()).doesNotContain("abc");
  }
}
