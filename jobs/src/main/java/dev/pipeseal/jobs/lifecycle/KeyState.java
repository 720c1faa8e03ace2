package dev.pipeseal.jobs.lifecycle;

import dev.pipeseal.kms.MasterKeyInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * One master key's rotation state as of a clock reading.
 *
 * @param key what the provider says about the key
 * @param period its rotation period, empty without a policy
 * @param currentCreated when the current version was created, empty where the provider does not
 *     record it
 * @param age of the current version, empty when unknown
 * @param dueAt when the current version is (or was) due for rotation, empty without a policy or age
 * @param rotation the verdict
 */
public record KeyState(
    MasterKeyInfo key,
    Optional<Duration> period,
    Optional<Instant> currentCreated,
    Optional<Duration> age,
    Optional<Instant> dueAt,
    Rotation rotation) {

  /** The verdict of the policy on a key. */
  public enum Rotation {
    /** No rotation period applies. */
    NO_POLICY,
    /** Younger than its period. */
    CURRENT,
    /** Past its period, within the grace: {@code rotate --if-due} rolls it. */
    DUE,
    /** Past its period and the grace: alert. */
    OVERDUE,
    /** A period applies but the provider does not say when the current version was created. */
    AGE_UNKNOWN;

    /** As printed: {@code no-policy}, {@code current}, {@code due}, {@code overdue}, ... */
    public String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** Evaluates {@code policy} on {@code key} at {@code clock}'s now. */
  public static KeyState of(MasterKeyInfo key, RotationPolicy policy, Clock clock) {
    Instant now = clock.instant();
    Optional<Duration> period = policy.periodOf(key.name());
    Optional<Instant> created = key.createdAt(key.currentVersion());
    Optional<Duration> age =
        created.map(c -> now.isBefore(c) ? Duration.ZERO : Duration.between(c, now));
    if (period.isEmpty()) {
      return new KeyState(key, period, created, age, Optional.empty(), Rotation.NO_POLICY);
    }
    if (created.isEmpty()) {
      return new KeyState(key, period, created, age, Optional.empty(), Rotation.AGE_UNKNOWN);
    }
    Instant due = created.get().plus(period.get());
    Rotation r;
    if (now.isBefore(due)) {
      r = Rotation.CURRENT;
    } else if (now.isBefore(due.plus(policy.grace()))) {
      r = Rotation.DUE;
    } else {
      r = Rotation.OVERDUE;
    }
    return new KeyState(key, period, created, age, Optional.of(due), r);
  }

  /** Due or overdue: what {@code rotate --if-due} rolls. */
  public boolean needsRotation() {
    return rotation == Rotation.DUE || rotation == Rotation.OVERDUE;
  }
}
