package dev.outpost.proxy.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ImplicitCodeFactsTest {
  private final ImplicitCodeFacts facts = new ImplicitCodeFacts(Volatility.IMMUTABLE,
      Map.of("counted", Volatility.VOLATILE, "recent", Volatility.STABLE));

  @Test
  void aReadCountsOnlyTheTypesItsTextNames_inAnyCase() {
    assertThat(facts.forRead("SELECT n FROM kv")).isEqualTo(Volatility.IMMUTABLE);
    assertThat(facts.forRead("SELECT 5::COUNTED")).isEqualTo(Volatility.VOLATILE);
    assertThat(facts.forRead("SELECT CAST(d AS public.\"Recent\") FROM t")).isEqualTo(Volatility.STABLE);
    assertThat(facts.forRead("SELECT d::recent, 1::counted")).isEqualTo(Volatility.VOLATILE);
  }

  @Test
  void aLongerNameOrALiteralThatContainsOne_countsToo() {
    assertThat(facts.forRead("SELECT recently FROM t")).isEqualTo(Volatility.STABLE);
    assertThat(facts.forRead("SELECT 'uncounted'")).isEqualTo(Volatility.VOLATILE);
  }

  @Test
  void everywhereCountsForEveryRead_andAWriteCountsEverything() {
    ImplicitCodeFacts withImplicitCast = new ImplicitCodeFacts(Volatility.STABLE, Map.of("counted", Volatility.VOLATILE));
    assertThat(withImplicitCast.forRead("SELECT 1")).isEqualTo(Volatility.STABLE);
    assertThat(withImplicitCast.forWrite()).isEqualTo(Volatility.VOLATILE);
    assertThat(facts.forWrite()).isEqualTo(Volatility.VOLATILE);
    assertThat(ImplicitCodeFacts.NONE.forWrite()).isEqualTo(Volatility.IMMUTABLE);
    assertThat(ImplicitCodeFacts.NONE.forRead("SELECT 5::counted")).isEqualTo(Volatility.IMMUTABLE);
  }
}
