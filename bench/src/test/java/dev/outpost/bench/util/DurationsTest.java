package dev.outpost.bench.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

  @Test
  void parse_acceptsTheCliUnits() {
    assertThat(Durations.parse("250us")).isEqualTo(Duration.ofNanos(250_000));
    assertThat(Durations.parse("25ms")).isEqualTo(Duration.ofMillis(25));
    assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1_500));
    assertThat(Durations.parse("10m")).isEqualTo(Duration.ofMinutes(10));
    assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Durations.parse(" 0ms ")).isZero();
    assertThat(Durations.parse("0")).as("zero needs no unit").isZero();
  }

  @Test
  void parse_acceptsIso8601() {
    assertThat(Durations.parse("PT15S")).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void parse_bareNumber_isRejectedBecauseItsUnitWouldBeAGuess() {
    assertThatThrownBy(() -> Durations.parse("25")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("500ms");
  }

  @Test
  void format_isTheShortestExactForm() {
    assertThat(Durations.format(Duration.ofMillis(25))).isEqualTo("25ms");
    assertThat(Durations.format(Duration.ofMillis(1_500))).isEqualTo("1500ms");
    assertThat(Durations.format(Duration.ofSeconds(120))).isEqualTo("2m");
    assertThat(Durations.format(Duration.ZERO)).isEqualTo("0ms");
    assertThat(Durations.format(Duration.ofNanos(250_000))).isEqualTo("250us");
  }

  @Test
  void formatThenParse_roundTrips() {
    for (Duration d : new Duration[] {Duration.ofMillis(7), Duration.ofSeconds(3), Duration.ofNanos(12_345)}) {
      assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
    }
  }
}
