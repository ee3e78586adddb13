package dev.outpost.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProxyConfigTest {
  private static final OriginUrl ORIGIN = OriginUrl.parse("postgresql://app:s3cret-pw@db:5432/shop");

  @Test
  void builder_withNothingSet_hasTheDocumentedDefaults() {
    ProxyConfig c = ProxyConfig.builder(ORIGIN).build();

    assertThat(c.listenAddress()).isEqualTo(new HostPort("127.0.0.1", 6432));
    assertThat(c.poolMode()).isEqualTo(PoolMode.TRANSACTION);
    assertThat(c.poolSize()).isEqualTo(20);
    assertThat(c.minIdle()).isEqualTo(1);
    assertThat(c.maxLifetime()).isEqualTo(Duration.ofMinutes(30));
    assertThat(c.idleTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(15));
    assertThat(c.acquireTimeout()).isEqualTo(Duration.ofSeconds(15));
    assertThat(c.originKeepalive()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.originTcpUserTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.preparedStatementsPerConnection()).isEqualTo(500);
    assertThat(c.authMethod()).isEqualTo(AuthMethod.SCRAM);
    assertThat(c.authTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.maxClientConnections()).isEqualTo(10_000);
    assertThat(c.clientIdleTimeout()).isZero();
    assertThat(c.maxMessageSize()).isEqualTo(64 << 20);
    assertThat(c.shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.cache()).isEqualTo(CacheSettings.defaults());
    assertThat(c.cache().maxBytes()).isEqualTo(256L << 20);
    assertThat(c.cache().maxEntrySize()).isEqualTo(16L << 20);
    assertThat(c.metrics()).isNull();
    assertThat(c.tls()).isEqualTo(TlsSettings.DISABLED);
    assertThat(c.admin().enabled()).isFalse();
    assertThat(c.users()).isEmpty();
    assertThat(c.cluster().enabled()).isFalse();
    assertThat(c.cluster().maxFillSize()).isEqualTo(1L << 20);
    assertThat(c.changeFeed()).isEqualTo(ChangeFeedSettings.OFF);
    assertThat(c.changeFeedSlot()).isEqualTo("outpost");
    assertThat(c.logLevel()).isEqualTo(LogLevel.INFO);
    assertThat(c.effectiveOriginMaxConnections()).isEqualTo(20);
  }

  @Test
  void build_withSeveralBrokenRules_reportsEveryOne() {
    assertThatThrownBy(() -> ProxyConfig.builder(ORIGIN).poolSize(0).authTimeout(Duration.ZERO)
        .tlsMode(TlsMode.REQUIRE).cacheMaxEntrySize(1L << 30).adminUser("admin").build())
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
            "admin-password: missing (required when admin-user is set)",
            "tls-cert: missing (required when tls-mode is require)",
            "tls-key: missing (required when tls-mode is require)",
            "cache-max-entry-size: 1GiB is out of range (allowed: 1..256MiB, at most cache-max-bytes)",
            "pool-size: 0 is out of range (allowed: 1..10000)",
            "auth-timeout: 0s is out of range (allowed: more than 0, at most 365d)"));
  }

  @Test
  void originSocketSettings_beyondWhatTheKernelTakes_areRejected() {
    assertThatThrownBy(() -> ProxyConfig.builder(ORIGIN).originKeepalive(Duration.ofHours(10))
        .originTcpUserTimeout(Duration.ofDays(2)).build())
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
            "origin-keepalive: 10h is out of range (allowed: 0 (the system's timing) up to 32767s)",
            "origin-tcp-user-timeout: 48h is out of range (allowed: 0 (the system default) up to 24h)"));
    assertThat(ProxyConfig.builder(ORIGIN).originKeepalive(Duration.ZERO).originTcpUserTimeout(Duration.ZERO).build()
        .originKeepalive()).isZero();
  }

  @Test
  void build_certificateWithoutTlsMode_isRejectedSoTheNodeIsNotSilentlyPlaintext() {
    assertThatThrownBy(() -> ProxyConfig.builder(ORIGIN).tlsCert(Path.of("/c.pem")).tlsKey(Path.of("/k.pem")).build())
        .hasMessageStartingWith("tls-mode: \"disable\" leaves tls-cert/tls-key unused");
  }

  @Test
  void poolSize_belowTheDefaultMinIdle_lowersMinIdleAsBefore() {
    assertThat(ProxyConfig.builder(ORIGIN).minIdle(1).poolSize(1).build().minIdle()).isEqualTo(1);
    assertThat(ProxyConfig.builder(ORIGIN).minIdle(5).poolSize(3).build().minIdle()).isEqualTo(3);
  }

  @Test
  void toBuilder_ofAFullConfig_buildsAnEqualConfig() {
    ProxyConfig c = ProxyConfig.builder(ORIGIN).listen("0.0.0.0", 7000).poolSize(33).originMaxConnections(90)
        .users(List.of(UserEntry.withPassword("u", "pw"))).adminUser("admin").adminPassword("admin-pw")
        .cacheRules(List.of(CacheRule.off(new TableName("public", "s")))).metrics(new HostPort("0.0.0.0", 9187))
        .region("eu").nodeName("eu-1").relayBind(new HostPort("0.0.0.0", 7900))
        .changeFeedEnabled(true).changeFeedSlot("slot_1").logLevel(LogLevel.DEBUG).build();

    assertThat(c.toBuilder().build()).isEqualTo(c);
    assertThat(c.effectiveOriginMaxConnections()).isEqualTo(90);
  }

  @Test
  void toString_ofAConfigWithSecrets_showsNone() {
    ProxyConfig c = ProxyConfig.builder(ORIGIN).users(List.of(UserEntry.withPassword("u", "s3cret-user")))
        .adminUser("admin").adminPassword("s3cret-admin").build();

    assertThat(c.toString()).doesNotContain("s3cret").contains("***");
  }

  @Test
  void metricsOnTheListenAddress_isRejected() {
    assertThatThrownBy(() -> ProxyConfig.builder(ORIGIN).metrics(new HostPort("127.0.0.1", 6432)).build())
        .hasMessage("metrics: \"127.0.0.1:6432\" is the listen address (allowed: another port than listen)");
  }
}
