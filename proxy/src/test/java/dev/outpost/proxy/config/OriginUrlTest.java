package dev.outpost.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.proxy.config.OriginUrl.ChannelBindingMode;
import dev.outpost.proxy.config.OriginUrl.SslMode;
import dev.outpost.proxy.config.OriginUrl.SslNegotiation;
import org.junit.jupiter.api.Test;

class OriginUrlTest {

  @Test
  void parse_readsTheLibpqParts_andMasksThePasswordWhenPrinted() {
    OriginUrl u = OriginUrl.parse("postgresql://app:s3cret@db.example.com:6543/shop?sslmode=verify-full"
        + "&sslrootcert=/etc/ca.pem");
    assertThat(u.host()).isEqualTo("db.example.com");
    assertThat(u.port()).isEqualTo(6543);
    assertThat(u.user()).isEqualTo("app");
    assertThat(u.password()).isEqualTo("s3cret");
    assertThat(u.database()).isEqualTo("shop");
    assertThat(u.sslMode()).isEqualTo(SslMode.VERIFY_FULL);
    assertThat(u.sslNegotiation()).isEqualTo(SslNegotiation.POSTGRES);
    assertThat(u.toString()).doesNotContain("s3cret")
        .isEqualTo("postgresql://app:***@db.example.com:6543/shop?sslmode=verify-full&sslrootcert=/etc/ca.pem");
  }

  @Test
  void sslnegotiationDirect_isKept_throughEveryCopy_andPrinted() {
    OriginUrl u = OriginUrl.parse("postgresql://app:pw@db:5432/shop?sslmode=require&sslnegotiation=direct");
    assertThat(u.sslNegotiation()).isEqualTo(SslNegotiation.DIRECT);
    assertThat(u.withCredentials("other", "pw2").sslNegotiation()).isEqualTo(SslNegotiation.DIRECT);
    assertThat(u.withDatabase("other").sslNegotiation()).isEqualTo(SslNegotiation.DIRECT);
    assertThat(u.withSslRootCert("/ca.pem").sslNegotiation()).isEqualTo(SslNegotiation.DIRECT);
    assertThat(u.toString()).endsWith("?sslmode=require&sslnegotiation=direct");
    assertThat(OriginUrl.parse(u.toString().replace("***", "pw"))).isEqualTo(u);
    assertThat(OriginUrl.parse("postgresql://app@db/shop?sslmode=require&sslnegotiation=postgres").sslNegotiation())
        .isEqualTo(SslNegotiation.POSTGRES);
  }

  @Test
  void channelBinding_defaultsToPrefer_isKeptThroughCopies_andRequireNeedsTls() {
    assertThat(OriginUrl.parse("postgresql://app@db/shop").channelBinding()).isEqualTo(ChannelBindingMode.PREFER);
    OriginUrl required = OriginUrl.parse("postgresql://app:pw@db/shop?sslmode=verify-full&channel_binding=require");
    assertThat(required.channelBinding()).isEqualTo(ChannelBindingMode.REQUIRE);
    assertThat(required.withCredentials("u", "p").channelBinding()).isEqualTo(ChannelBindingMode.REQUIRE);
    assertThat(required.toString()).endsWith("?sslmode=verify-full&channel_binding=require");
    assertThat(OriginUrl.parse("postgresql://app@db/shop?channel_binding=disable").channelBinding())
        .isEqualTo(ChannelBindingMode.DISABLE);
    assertThatThrownBy(() -> OriginUrl.parse("postgresql://app@db/shop?channel_binding=require"))
        .hasMessage("channel_binding=require needs TLS to the origin: set sslmode=require, verify-ca or verify-full");
    assertThatThrownBy(() -> OriginUrl.parse("postgresql://app@db/shop?channel_binding=always"))
        .hasMessage("invalid channel_binding 'always': allowed are disable, prefer, require");
  }

  @Test
  void sslnegotiationDirect_withASslmodeThatMayFallBackToPlaintext_isRefused_asByLibpq() {
    assertThatThrownBy(() -> OriginUrl.parse("postgresql://app@db/shop?sslmode=prefer&sslnegotiation=direct"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sslnegotiation=direct needs sslmode=require, verify-ca or verify-full (it is prefer)");
    assertThatThrownBy(() -> OriginUrl.parse("postgresql://app@db/shop?sslnegotiation=direct"))
        .hasMessageContaining("(it is disable)");
    assertThatThrownBy(() -> OriginUrl.parse("postgresql://app@db/shop?sslmode=require&sslnegotiation=fast"))
        .hasMessage("invalid sslnegotiation 'fast': allowed are postgres, direct");
  }
}
