package dev.outpost.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.cache.Freshness;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CacheSettingsTest {
  private static final TableName SESSIONS = new TableName("public", "sessions");
  private static final TableName PRODUCTS = new TableName("public", "products");
  private final CacheSettings settings = CacheSettings.builder().rules(List.of(
      CacheRule.off(SESSIONS),
      CacheRule.freshness(PRODUCTS, Duration.ofMinutes(10), null),
      CacheRule.freshness(new TableName(null, "prices"), Duration.ofSeconds(5), Duration.ofSeconds(1)))).build();

  @Test
  void build_twoRulesForOneTable_isRejected() {
    assertThatThrownBy(() -> CacheSettings.builder().rules(List.of(CacheRule.off(SESSIONS), CacheRule.off(SESSIONS)))
        .build()).hasMessage("cache-rules: table public.sessions has more than one rule (allowed: one per table)");
  }

  @Test
  void tableName_parse_foldsUnquotedAndKeepsQuotedParts() {
    assertThat(TableName.parse("Public.Products")).isEqualTo(new TableName("public", "products"));
    assertThat(TableName.parse("\"Sales\".\"Q1 \"\"x\"\"\"")).isEqualTo(new TableName("Sales", "Q1 \"x\""));
    assertThat(TableName.parse("orders")).isEqualTo(new TableName(null, "orders"));
    assertThat(new TableName("Sales", "q1").toString()).isEqualTo("\"Sales\".q1");
  }

  @Test
  void tableName_parse_rejectsWhatIsNotAName() {
    for (String bad : List.of("", "a.", ".a", "1abc", "a b", "\"open", "a.b.c")) {
      assertThatThrownBy(() -> TableName.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
