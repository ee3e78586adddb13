package dev.outpost.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigDiffTest {
  private static final OriginUrl ORIGIN = OriginUrl.parse("postgresql://app:pw@db:5432/shop");
  private final ProxyConfig running = ProxyConfig.builder(ORIGIN).build();

  @Test
  void between_equalConfigs_isEmptyAndKeepsTheRunningOne() {
    ConfigDiff d = ConfigDiff.between(running, ProxyConfig.builder(ORIGIN).build());

    assertThat(d.isEmpty()).isTrue();
    assertThat(d.summary()).isEqualTo("no changes");
    assertThat(d.effective()).isSameAs(running);
  }

  @Test
  void between_poolSizeAndCacheRulesChanged_appliesThemLive() {
    List<CacheRule> rules = List.of(CacheRule.off(new TableName("public", "sessions")));
    ProxyConfig loaded = running.toBuilder().poolSize(40).cacheRules(rules).authTimeout(Duration.ofSeconds(2)).build();

    ConfigDiff d = ConfigDiff.between(running, loaded);

    assertThat(d.restartChanges()).isEmpty();
    assertThat(d.liveChanges()).extracting(ConfigDiff.Change::key)
        .containsExactly("pool-size", "auth-timeout", "cache-rules");
    assertThat(d.effective()).isEqualTo(loaded);
  }

  @Test
  void between_listenAndRegionChanged_needRestartAndEffectiveKeepsTheRunningValues() {
    ProxyConfig loaded = running.toBuilder().listen("0.0.0.0", 7000).region("eu").nodeName("n1").poolSize(5).build();

    ConfigDiff d = ConfigDiff.between(running, loaded);

    assertThat(d.restartChanges()).extracting(ConfigDiff.Change::toString).containsExactly(
        "listen: 127.0.0.1:6432 -> 0.0.0.0:7000", "region:  -> eu", "node-name:  -> n1");
    ProxyConfig effective = d.effective();
    assertThat(effective.listenAddress()).isEqualTo(running.listenAddress());
    assertThat(effective.cluster().enabled()).isFalse();
    assertThat(effective.poolSize()).isEqualTo(5);
    assertThat(d.summary()).isEqualTo("applied pool-size: 20 -> 5; needs a restart: listen: 127.0.0.1:6432 -> 0.0.0.0:7000,"
        + " region:  -> eu, node-name:  -> n1");
  }

  @Test
  void between_onlyASecretChanged_isReportedMasked() {
    ProxyConfig withAdmin = running.toBuilder().adminUser("admin").adminPassword("old-s3cret").build();
    ProxyConfig loaded = withAdmin.toBuilder().adminPassword("new-s3cret")
        .origin(OriginUrl.parse("postgresql://app:other-s3cret@db:5432/shop")).build();

    ConfigDiff d = ConfigDiff.between(withAdmin, loaded);

    assertThat(d.changes()).extracting(ConfigDiff.Change::toString).containsExactly(
        "origin: postgresql://app:***@db:5432/shop?sslmode=disable -> postgresql://app:***@db:5432/shop?sslmode=disable"
            + " (changed)",
        "admin-password: *** -> *** (changed)");
    assertThat(d.changes().get(0).live()).as("the origin's password alone").isTrue();
    assertThat(d.changes().get(1).live()).isTrue();
    assertThat(d.summary()).doesNotContain("s3cret");
  }

  @Test
  void between_theOriginsPasswordAlone_isAppliedLive() {
    ProxyConfig loaded = running.toBuilder().origin(OriginUrl.parse("postgresql://app:rotated@db:5432/shop")).build();

    ConfigDiff d = ConfigDiff.between(running, loaded);

    assertThat(d.restartChanges()).isEmpty();
    assertThat(d.liveChanges()).extracting(ConfigDiff.Change::key).containsExactly("origin");
    assertThat(d.effective().origin().password()).isEqualTo("rotated");
    assertThat(d.effective()).isEqualTo(loaded);
  }

  @Test
  void between_anyOtherPartOfTheOriginChanged_waitsForARestart_passwordIncluded() {
    for (String other : List.of("postgresql://app:rotated@db2:5432/shop", "postgresql://app:rotated@db:5433/shop",
        "postgresql://other:rotated@db:5432/shop", "postgresql://app:rotated@db:5432/sales",
        "postgresql://app:rotated@db:5432/shop?sslmode=require", "postgresql://app:pw@db:5432/shop?sslmode=require")) {
      ProxyConfig loaded = running.toBuilder().origin(OriginUrl.parse(other)).build();

      ConfigDiff d = ConfigDiff.between(running, loaded);

      assertThat(d.restartChanges()).as(other).extracting(ConfigDiff.Change::key).containsExactly("origin");
      assertThat(d.effective().origin()).as("%s: not even the password changes", other).isEqualTo(ORIGIN);
    }
    ProxyConfig withCa = running.toBuilder().origin(ORIGIN.withSslRootCert("/etc/ca.pem")).build();
    assertThat(ConfigDiff.between(running, withCa).restartChanges()).extracting(ConfigDiff.Change::key)
        .contains("origin");
  }

  @Test
  void reloadLabel_namesTheLivePartOfTheOrigin() {
    assertThat(ConfigKeys.find("origin").orElseThrow().reloadLabel()).isEqualTo("restart (password: live)");
    assertThat(ConfigKeys.find("pool-size").orElseThrow().reloadLabel()).isEqualTo("live");
    assertThat(ConfigKeys.find("listen").orElseThrow().reloadLabel()).isEqualTo("restart");
  }

  @Test
  void between_usersChanged_isLiveAndMasked() {
    ProxyConfig loaded = running.toBuilder().users(List.of(UserEntry.withPassword("u", "s3cret"))).build();

    ConfigDiff d = ConfigDiff.between(running, loaded);

    assertThat(d.liveChanges()).extracting(ConfigDiff.Change::toString)
        .containsExactly("users: [] -> [u (password ***)]");
    assertThat(d.effective().users()).hasSize(1);
  }
}
