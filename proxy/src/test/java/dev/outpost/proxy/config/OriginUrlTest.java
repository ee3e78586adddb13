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

  @Test
  void parametersThatWouldChangeWhatTheNodeDoes_areRefused_neverIgnored() {
    assertThatThrownBy(() -> OriginUrl.parse("postgresql://app:pw@db/shop?options=-c%20search_path%3Dapp"))
        .hasMessageStartingWith("invalid origin URL: parameter options is not supported: session settings")
        .hasMessageContaining("ALTER ROLE");
    assertThatThrownBy(() -> OriginUrl.parse("postgresql://app@db/shop?sslmode=require&sslcert=/c.pem&sslkey=/k.pem"
        + "&sslpassword=x")).hasMessageContaining("encrypted keys are not supported");
    assertThatThrownBy(() -> OriginUrl.parse("postgresql://app@db/shop?load_balance_hosts=random"))
        .hasMessageContaining("tries the listed hosts in order");
    assertThatThrownBy(() -> OriginUrl.parse("postgresql://app@db/shop?target_session_attrs=standby"))
        .hasMessageContaining("target_session_attrs=standby is not supported").hasMessageContaining("write");
    assertThatThrownBy(() -> OriginUrl.parse("postgresql://app@db/shop?target_session_attrs=writable"))
        .hasMessage("invalid target_session_attrs 'writable': allowed are any, read-write, primary");
    assertThatThrownBy(() -> OriginUrl.parse("postgresql://app:s3cret@db/shop?sslmode=require&sslpasword=s3cret"))
        .hasMessageStartingWith("invalid origin URL: parameter sslpasword is not supported: Outpost reads ")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void severalHosts_areReadAsLibpqReadsThem_withTheirPorts_andPrintedBack() {
    OriginUrl u = OriginUrl.parse("postgresql://app:pw@db1:5433,db2,[fd00::7]:6432/shop?target_session_attrs=read-write");
    assertThat(u.hosts()).containsExactly(new OriginHost("db1", 5433), new OriginHost("db2", 5432),
        new OriginHost("fd00::7", 6432));
    assertThat(u.severalHosts()).isTrue();
    assertThat(u.host()).isEqualTo("db1");
    assertThat(u.port()).isEqualTo(5433);
    assertThat(u.address()).isEqualTo("db1:5433,db2:5432,[fd00::7]:6432");
    assertThat(u.toString()).isEqualTo("postgresql://app:***@db1:5433,db2:5432,[fd00::7]:6432/shop?sslmode=disable"
        + "&target_session_attrs=read-write");
    assertThat(OriginUrl.parse(u.toString().replace("***", "pw"))).isEqualTo(u);
    assertThat(u.withCredentials("x", "y").withDatabase("d").hosts()).isEqualTo(u.hosts());

    OriginUrl one = u.at(u.hosts().get(1));
    assertThat(one.hosts()).containsExactly(new OriginHost("db2", 5432));
    assertThat(one.severalHosts()).isFalse();
    assertThat(one.targetSessionAttrs()).isEqualTo(OriginUrl.TargetSessionAttrs.READ_WRITE);
    assertThat(one.password()).isEqualTo("pw");

    // keyword form: one port for all hosts, or one each
    assertThat(OriginUrl.parse("postgresql:///shop?host=a,b&port=6000&user=app").hosts())
        .containsExactly(new OriginHost("a", 6000), new OriginHost("b", 6000));
    assertThat(OriginUrl.parse("postgresql:///shop?host=a,b&port=6000,6001&user=app").hosts())
        .containsExactly(new OriginHost("a", 6000), new OriginHost("b", 6001));
    assertThat(OriginUrl.parse("postgresql://app@a,b/shop?host=a,b").hosts()).hasSize(2);
    assertThatThrownBy(() -> OriginUrl.parse("postgresql:///shop?host=a,b,c&port=1,2"))
        .hasMessage("invalid origin URL: 2 ports for 3 hosts: give one port for all hosts or one for each");
    assertThatThrownBy(() -> OriginUrl.parse("postgresql://app@a,,b/shop"))
        .hasMessageContaining("an empty host in the host list 'a,,b'");
    assertThatThrownBy(() -> OriginUrl.parse("postgresql://app@a,b/shop?host=a,c"))
        .hasMessage("invalid origin URL: the host is given twice, differently");
    assertThatThrownBy(() -> OriginUrl.parse("postgresql://app@a:1,b:x/shop"))
        .hasMessage("invalid origin URL: port 'x' is not a number");
  }

  @Test
  void targetSessionAttrs_isRead_andKeptByEveryCopy() {
    OriginUrl u = OriginUrl.parse("postgresql://app:pw@db/shop?target_session_attrs=read-write");
    assertThat(u.targetSessionAttrs()).isEqualTo(OriginUrl.TargetSessionAttrs.READ_WRITE);
    assertThat(u.withCredentials("other", "x").withDatabase("d2").withSslRootCert("/ca.pem").targetSessionAttrs())
        .isEqualTo(OriginUrl.TargetSessionAttrs.READ_WRITE);
    assertThat(u.toString()).endsWith("&target_session_attrs=read-write");
    assertThat(OriginUrl.parse(u.toString().replace("***", "pw"))).isEqualTo(u);
    assertThat(OriginUrl.parse("postgresql://app@db/shop?target_session_attrs=primary").targetSessionAttrs())
        .isEqualTo(OriginUrl.TargetSessionAttrs.PRIMARY);
    assertThat(OriginUrl.parse("postgresql://app@db/shop").targetSessionAttrs())
        .isEqualTo(OriginUrl.TargetSessionAttrs.ANY);
  }

  @Test
  void parametersTheNodesOwnSettingsReplace_areAccepted_andHostAndPortMayComeAsParameters() {
    OriginUrl u = OriginUrl.parse("postgresql://app@db/shop?connect_timeout=5&application_name=web&keepalives=1");
    assertThat(u.host()).isEqualTo("db");
    OriginUrl fromParams = OriginUrl.parse("postgresql:///shop?host=db.internal&port=6543&user=app");
    assertThat(fromParams.host()).isEqualTo("db.internal");
    assertThat(fromParams.port()).isEqualTo(6543);
    assertThat(fromParams.user()).isEqualTo("app");
    assertThat(OriginUrl.parse("postgresql://app@db:6543/shop?port=6543").port()).isEqualTo(6543);
    assertThatThrownBy(() -> OriginUrl.parse("postgresql://app@db:6543/shop?port=5432"))
        .hasMessage("invalid origin URL: the port is given twice, differently");
  }

  @Test
  void clientCertificate_needsItsKey_andTls_andIsKeptThroughCopies() {
    OriginUrl u = OriginUrl.parse("postgresql://app@db/shop?sslmode=verify-full&sslrootcert=/ca.pem"
        + "&sslcert=/etc/outpost/client.pem&sslkey=/etc/outpost/client.key");
    assertThat(u.sslCert()).isEqualTo("/etc/outpost/client.pem");
    assertThat(u.withDatabase("other").sslKey()).isEqualTo("/etc/outpost/client.key");
    assertThat(u.toString()).endsWith("&sslcert=/etc/outpost/client.pem&sslkey=/etc/outpost/client.key");
    assertThatThrownBy(() -> OriginUrl.parse("postgresql://app@db/shop?sslmode=require&sslcert=/c.pem"))
        .hasMessageContaining("sslcert and sslkey go together");
    assertThatThrownBy(() -> OriginUrl.parse("postgresql://app@db/shop?sslcert=/c.pem&sslkey=/k.pem"))
        .hasMessageContaining("sslcert needs TLS");
  }
}
