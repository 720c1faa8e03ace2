package dev.pipeseal.jobs.lifecycle;

import dev.pipeseal.kms.settings.Property;
import dev.pipeseal.kms.settings.PropertySet;
import dev.pipeseal.kms.settings.Quantities;
import dev.pipeseal.kms.settings.Settings;
import dev.pipeseal.kms.settings.SettingsException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * How often each master key should get a new version: a default period, per-key overrides, and a
 * grace after which a due key counts as overdue (so a scheduled {@code rotate --if-due} has time to
 * roll it before {@code status} alerts). No period is the default: nothing is ever due.
 *
 * @param defaultPeriod period of keys without an override; empty for none
 * @param perKey overrides by master key name; an empty value exempts that key
 * @param grace how long past its period a key is due before it is overdue
 */
public record RotationPolicy(
    Optional<Duration> defaultPeriod, Map<String, Optional<Duration>> perKey, Duration grace) {
  /** Names are relative to this prefix. */
  public static final String PREFIX = "pipeseal.keys.";

  private static final String PER_KEY = "rotation.period.";

  public static final Property<Duration> PERIOD =
      Property.of(
          "rotation.period",
          "duration (90d, 2160h, P90D) or none",
          null,
          RotationPolicy::parsePeriod,
          "Rotation period of every master key without its own rotation.period.NAME: a key whose"
              + " current version is older is due (keys rotate --if-due rolls it). Unset or none:"
              + " no policy.");

  public static final Property<Duration> GRACE =
      Property.duration(
          "rotation.grace",
          Duration.ofDays(1),
          ChronoUnit.DAYS,
          "How long a key may be due before keys status reports it overdue (exit code 3).");

  public static final PropertySet PROPERTIES =
      new PropertySet(
              "key rotation policy (pipeseal keys status, rotate --if-due)",
              PREFIX,
              java.util.List.of(PERIOD, GRACE),
              Map.of())
          .withPassThrough(
              PER_KEY,
              "rotation.period.NAME: the rotation period of master key NAME (duration or none),"
                  + " over rotation.period");

  public RotationPolicy {
    perKey = Map.copyOf(perKey);
  }

  /** No policy: nothing is ever due. */
  public static final RotationPolicy NONE =
      new RotationPolicy(Optional.empty(), Map.of(), GRACE.defaultValue());

  /**
   * Reads the policy from the CLI's settings ({@code pipeseal.keys.*}).
   *
   * @throws SettingsException on an unknown name or invalid value, naming the property
   */
  public static RotationPolicy from(Map<String, String> properties) {
    Settings s = Settings.of(properties).scoped(PREFIX).validate(PROPERTIES);
    Map<String, Optional<Duration>> perKey = new TreeMap<>();
    for (Map.Entry<String, String> e : s.passThrough(PER_KEY).entrySet()) {
      try {
        perKey.put(e.getKey(), Optional.ofNullable(parsePeriod(e.getValue())));
      } catch (IllegalArgumentException ex) {
        String name = s.fullName(PER_KEY + e.getKey());
        throw new SettingsException(
            "settings", name, "invalid value for '" + name + "': " + ex.getMessage());
      }
    }
    return new RotationPolicy(Optional.ofNullable(s.get(PERIOD)), perKey, s.get(GRACE));
  }

  /** The period of {@code masterKeyName}, empty if it has none. */
  public Optional<Duration> periodOf(String masterKeyName) {
    Optional<Duration> own = perKey.get(masterKeyName);
    return own != null ? own : defaultPeriod;
  }

  // "none" is a value (not only "unset") so that one key can be exempted from a default period.
  private static Duration parsePeriod(String text) {
    if (text.strip().equalsIgnoreCase("none")) {
      return null;
    }
    Duration d = Quantities.duration(text, ChronoUnit.DAYS);
    if (d.isZero()) {
      throw new IllegalArgumentException("must be longer than 0 (or none)");
    }
    return d;
  }
}
