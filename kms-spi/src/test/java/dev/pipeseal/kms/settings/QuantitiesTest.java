package dev.pipeseal.kms.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

class QuantitiesTest {
  @Test
  void durationUnits() {
    assertThat(Quantities.duration("500ms", ChronoUnit.SECONDS)).isEqualTo(Duration.ofMillis(500));
    assertThat(Quantities.duration("10s", ChronoUnit.SECONDS)).isEqualTo(Duration.ofSeconds(10));
    assertThat(Quantities.duration("5m", ChronoUnit.SECONDS)).isEqualTo(Duration.ofMinutes(5));
    assertThat(Quantities.duration("1H", ChronoUnit.SECONDS)).isEqualTo(Duration.ofHours(1));
    assertThat(Quantities.duration(" 2d ", ChronoUnit.SECONDS)).isEqualTo(Duration.ofDays(2));
    assertThat(Quantities.duration("PT1M30S", ChronoUnit.SECONDS))
        .isEqualTo(Duration.ofSeconds(90));
  }

  /** The forms the KMS bridge's own duration parser accepted before the toolkit. */
  @Test
  void bridgeDurationForms() {
    assertThat(Quantities.duration("250ms", ChronoUnit.SECONDS)).isEqualTo(Duration.ofMillis(250));
    assertThat(Quantities.duration("10s", ChronoUnit.SECONDS)).isEqualTo(Duration.ofSeconds(10));
    assertThat(Quantities.duration("5m", ChronoUnit.SECONDS)).isEqualTo(Duration.ofMinutes(5));
    assertThat(Quantities.duration("2h", ChronoUnit.SECONDS)).isEqualTo(Duration.ofHours(2));
    assertThat(Quantities.duration("1d", ChronoUnit.SECONDS)).isEqualTo(Duration.ofDays(1));
    assertThat(Quantities.duration("PT1M30S", ChronoUnit.SECONDS))
        .isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void bareNumberIsInThePropertysUnit() {
    assertThat(Quantities.duration("30", ChronoUnit.SECONDS)).isEqualTo(Duration.ofSeconds(30));
    assertThat(Quantities.duration("30", ChronoUnit.MILLIS)).isEqualTo(Duration.ofMillis(30));
    assertThat(Quantities.duration("0", ChronoUnit.MINUTES)).isZero();
  }

  @Test
  void durationGarbageRejectedWithTheRule() {
    for (String bad : new String[] {"", "s", "10 parsecs", "1.5s", "-1s", "PT-1S", "10sec", "ms"}) {
      assertThatThrownBy(() -> Quantities.duration(bad, ChronoUnit.SECONDS))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageNotContaining(bad.isEmpty() ? "\u0000" : "'" + bad + "'");
    }
    assertThatThrownBy(() -> Quantities.duration("99999999999999999999s", ChronoUnit.SECONDS))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void sizes() {
    assertThat(Quantities.bytes("4096")).isEqualTo(4096);
    assertThat(Quantities.bytes("64k")).isEqualTo(64 * 1024);
    assertThat(Quantities.bytes("16MiB")).isEqualTo(16L << 20);
    assertThat(Quantities.bytes("1g")).isEqualTo(1L << 30);
    assertThat(Quantities.bytes("2TiB")).isEqualTo(2L << 40);
    assertThat(Quantities.bytes("10MB")).isEqualTo(10_000_000L);
    assertThat(Quantities.bytes("3kB")).isEqualTo(3_000L);
    for (String bad : new String[] {"", "k", "12 parsecs", "1.5m", "-1k"}) {
      assertThatThrownBy(() -> Quantities.bytes(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> Quantities.bytes("9000000000TiB"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too large");
  }

  @Test
  void formatReadsBack() {
    for (Duration d :
        new Duration[] {
          Duration.ofMillis(100), Duration.ofSeconds(30), Duration.ofMinutes(10),
          Duration.ofHours(1), Duration.ofDays(2), Duration.ofSeconds(90)
        }) {
      assertThat(Quantities.duration(Quantities.format(d), ChronoUnit.SECONDS)).isEqualTo(d);
    }
    assertThat(Quantities.format(Duration.ofSeconds(90))).isEqualTo("90s");
  }
}
