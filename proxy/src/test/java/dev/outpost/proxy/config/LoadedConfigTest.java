package dev.outpost.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.wire.auth.ScramVerifier;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoadedConfigTest {

  @Test
  void rows_coverEveryKeyInOrderWithItsSource() {
    LoadedConfig c = new ConfigLoader(null, Map.of("OUTPOST_ORIGIN", "postgresql://app:pw@db/shop"),
        Map.of("pool-size", "7")).load();

    List<ConfigRow> rows = c.rows();

    assertThat(rows).extracting(ConfigRow::key)
        .containsExactlyElementsOf(ConfigKeys.all().stream().map(ConfigKey::name).toList());
    assertThat(rows).filteredOn(r -> r.key().equals("pool-size")).singleElement()
        .isEqualTo(new ConfigRow("pool-size", "7", ConfigSource.FLAG, "live"));
    assertThat(rows).filteredOn(r -> r.key().equals("origin")).singleElement()
        .isEqualTo(new ConfigRow("origin", "postgresql://app:***@db:5432/shop?sslmode=disable", ConfigSource.ENV, "restart (password: live)"));
    assertThat(rows).filteredOn(r -> r.key().equals("origin-max-connections")).singleElement()
        .extracting(ConfigRow::value).isEqualTo("7");
    assertThat(rows).filteredOn(r -> r.key().equals("metrics")).singleElement()
        .isEqualTo(new ConfigRow("metrics", "off", ConfigSource.DEFAULT, "restart"));
  }

  @Test
  void rows_ofAConfigWithEverySecret_showNone() {
    String verifier = ScramVerifier.fromPassword("v-s3cret", 4096).format();
    ProxyConfig config = ProxyConfig.builder(OriginUrl.parse("postgresql://app:url-s3cret@db/shop"))
        .adminUser("admin").adminPassword("admin-s3cret")
        .users(List.of(new UserEntry("a", "user-s3cret", null, Set.of(), "o", "origin-s3cret"),
            new UserEntry("b", null, verifier, Set.of("shop"), null, null)))
        .build();

    List<ConfigRow> rows = LoadedConfig.fromCode(config).rows();

    String all = rows.toString();
    assertThat(all).doesNotContain("s3cret").doesNotContain(verifier.substring(14));
    assertThat(rows).filteredOn(r -> r.key().equals("users")).singleElement().extracting(ConfigRow::value)
        .isEqualTo("[a (password ***, origin-user o, origin-password ***); b (scram-verifier ***, databases shop)]");
    assertThat(rows).filteredOn(r -> r.key().equals("admin-password")).singleElement()
        .isEqualTo(new ConfigRow("admin-password", "***", ConfigSource.CODE, "live"));
  }

  @Test
  void fromCode_marksChangedValuesAsCode() {
    ProxyConfig config = ProxyConfig.builder(OriginUrl.parse("postgresql://app@db/shop")).poolSize(3).build();

    LoadedConfig c = LoadedConfig.fromCode(config);

    assertThat(c.source("pool-size")).isEqualTo(ConfigSource.CODE);
    assertThat(c.source("origin")).isEqualTo(ConfigSource.CODE);
    assertThat(c.source("auth-timeout")).isEqualTo(ConfigSource.DEFAULT);
  }
}
