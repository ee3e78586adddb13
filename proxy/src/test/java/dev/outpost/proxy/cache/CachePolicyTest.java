package dev.outpost.proxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.Dependencies;
import dev.outpost.cache.Freshness;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CachePolicyTest {
  private final CachePolicy policy = new CachePolicy(true, Duration.ofSeconds(60), Duration.ofSeconds(15), 1 << 20,
      1 << 16, List.of(new CacheRule("public.products", true, Duration.ofMinutes(10), null),
          new CacheRule("sessions", false, null, null), new CacheRule("prices", true, Duration.ofSeconds(5),
              Duration.ofSeconds(1))));

  @Test
  void freshness_ruledTableAlone_usesTheRule() {
    assertThat(policy.freshnessFor(Dependencies.ofNames("products")))
        .isEqualTo(new Freshness(Duration.ofMinutes(10), Duration.ofSeconds(15)));
  }

  @Test
  void freshness_joinWithUnruledTable_takesTheShortest() {
    assertThat(policy.freshnessFor(Dependencies.ofNames("products", "orders")))
        .isEqualTo(new Freshness(Duration.ofSeconds(60), Duration.ofSeconds(15)));
    assertThat(policy.freshnessFor(Dependencies.ofNames("products", "prices")))
        .isEqualTo(new Freshness(Duration.ofSeconds(5), Duration.ofSeconds(1)));
  }

  @Test
  void freshness_noTablesOrAll_usesDefaults() {
    assertThat(policy.freshnessFor(Dependencies.NONE)).isEqualTo(policy.defaultFreshness());
    assertThat(policy.freshnessFor(Dependencies.ALL)).isEqualTo(policy.defaultFreshness());
  }

  @Test
  void disabledFor_anyDependencyRuledOff() {
    assertThat(policy.disabledFor(Dependencies.ofNames("orders", "sessions"))).isTrue();
    assertThat(policy.disabledFor(Dependencies.ofNames("orders", "products"))).isFalse();
  }
}
