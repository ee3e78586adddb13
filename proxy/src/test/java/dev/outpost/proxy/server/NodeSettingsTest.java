package dev.outpost.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.cache.Freshness;
import dev.outpost.proxy.auth.User;
import dev.outpost.proxy.cache.CachePolicy;
import dev.outpost.proxy.config.CacheRule;
import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.proxy.config.ProxyConfig;
import dev.outpost.proxy.config.TableName;
import dev.outpost.proxy.config.UserEntry;
import dev.outpost.wire.auth.ScramVerifier;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeSettingsTest {
  private static final OriginUrl ORIGIN = OriginUrl.parse("postgresql://app:app-pw@db/shop");

  @Test
  void cachePolicy_cacheSettings_becomeTheNodesCachePolicy() {
    ProxyConfig c = ProxyConfig.builder(ORIGIN).cacheEnabled(false).cacheMaxAge(Duration.ofMinutes(2))
        .cacheStaleWhileRevalidate(Duration.ofSeconds(3)).cacheMaxBytes(64L << 20).cacheMaxEntrySize(1L << 20)
        .cacheRules(List.of(CacheRule.off(new TableName("public", "sessions")))).build();

    CachePolicy p = NodeSettings.cachePolicy(c.cache());

    assertThat(p.enabled()).isFalse();
    assertThat(p.defaultFreshness()).isEqualTo(new Freshness(Duration.ofMinutes(2), Duration.ofSeconds(3)));
    assertThat(p.maxBytes()).isEqualTo(64L << 20);
    assertThat(p.maxEntrySize()).isEqualTo(1L << 20);
    assertThat(p.rules()).singleElement().satisfies(r -> {
      assertThat(r.bareName()).isEqualTo("sessions");
      assertThat(r.enabled()).isFalse();
    });
  }

  @Test
  void users_withoutAUsersList_areTheOriginUrlsUser() {
    User only = NodeSettings.users(ProxyConfig.builder(ORIGIN).build()).find("app");

    assertThat(only.originUser()).isEqualTo("app");
    assertThat(only.originPassword()).isEqualTo("app-pw");
    assertThat(only.mayUse("anything")).isTrue();
  }

  @Test
  void users_keepPasswordsVerifiersDatabasesAndOriginCredentials() {
    ScramVerifier v = ScramVerifier.fromPassword("r-pw", 4096);
    ProxyConfig c = ProxyConfig.builder(ORIGIN).users(List.of(
        new UserEntry("a", "a-pw", null, Set.of("shop"), null, null),
        new UserEntry("r", null, v.format(), Set.of(), "ro", "ro-pw"))).build();

    dev.outpost.proxy.auth.UserDirectory users = NodeSettings.users(c);

    User a = users.find("a");
    assertThat(a.databases()).containsExactly("shop");
    assertThat(a.originUser()).isEqualTo("app");
    assertThat(a.originPassword()).isEqualTo("app-pw");
    assertThat(a.md5Stored()).isNotNull();
    User r = users.find("r");
    assertThat(r.scram()).isEqualTo(v);
    assertThat(r.originUser()).isEqualTo("ro");
    assertThat(r.originPassword()).isEqualTo("ro-pw");
  }
}
