package dev.outpost.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParamsTest {
  private static final List<Param> DECLARED = List.of(
      new Param("duration", "60s", "5s", "measured time"),
      new Param("clients", "16", "8", "clients"),
      Param.of("read-ratio", "0.95", "reads"));

  @Test
  void quick_takesTheQuickDefaults() {
    Params p = Params.resolve("s", DECLARED, true, Map.of());

    assertThat(p.duration("duration")).isEqualTo(Duration.ofSeconds(5));
    assertThat(p.integer("clients")).isEqualTo(8);
    assertThat(p.decimal("read-ratio")).isEqualTo(0.95);
  }

  @Test
  void scenarioOverride_beatsGlobalOverride_beatsDefault() {
    Params p = Params.resolve("s", DECLARED, false,
        Map.of("duration", "2s", "s.duration", "3s", "clients", "4"));

    assertThat(p.duration("duration")).isEqualTo(Duration.ofSeconds(3));
    assertThat(p.integer("clients")).isEqualTo(4);
    assertThat(p.asMap()).containsExactly(Map.entry("duration", "3s"), Map.entry("clients", "4"),
        Map.entry("read-ratio", "0.95"));
  }

  @Test
  void overrideOfAnUnknownKey_isRejectedWithTheKnownOnes() {
    assertThatThrownBy(() -> Params.resolve("s", DECLARED, false, Map.of("s.readratio", "1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("readratio").hasMessageContaining("read-ratio");
  }

  @Test
  void malformedValue_namesTheParameter() {
    Params p = Params.resolve("s", DECLARED, false, Map.of("s.clients", "many"));

    assertThatThrownBy(() -> p.integer("clients")).hasMessageContaining("s.clients");
  }
}
