package dev.outpost.proxy.origin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.proxy.config.OriginUrl.TargetSessionAttrs;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which servers {@code target_session_attrs} keeps, from what the server reported at login. */
class OriginHandshakeTest {
  private static final Map<String, String> PRIMARY =
      Map.of("in_hot_standby", "off", "default_transaction_read_only", "off");
  private static final Map<String, String> STANDBY =
      Map.of("in_hot_standby", "on", "default_transaction_read_only", "off");
  private static final Map<String, String> READ_ONLY_PRIMARY =
      Map.of("in_hot_standby", "off", "default_transaction_read_only", "on");
  private static final Map<String, String> BEFORE_14 = Map.of("server_version", "13.16");

  @Test
  void any_keepsEveryServer() {
    for (Map<String, String> reported : new Map[] {PRIMARY, STANDBY, READ_ONLY_PRIMARY, BEFORE_14}) {
      assertThat(OriginHandshake.unsuitable(TargetSessionAttrs.ANY, reported)).isNull();
    }
  }

  @Test
  void primary_refusesAHotStandbyOnly() {
    assertThat(OriginHandshake.unsuitable(TargetSessionAttrs.PRIMARY, PRIMARY)).isNull();
    assertThat(OriginHandshake.unsuitable(TargetSessionAttrs.PRIMARY, READ_ONLY_PRIMARY)).isNull();
    assertThat(OriginHandshake.unsuitable(TargetSessionAttrs.PRIMARY, STANDBY))
        .startsWith("it is a standby (in_hot_standby = on)").contains("target_session_attrs=primary");
  }

  @Test
  void readWrite_refusesAStandby_andReadOnlySessions() {
    assertThat(OriginHandshake.unsuitable(TargetSessionAttrs.READ_WRITE, PRIMARY)).isNull();
    assertThat(OriginHandshake.unsuitable(TargetSessionAttrs.READ_WRITE, STANDBY)).startsWith("it is a standby");
    assertThat(OriginHandshake.unsuitable(TargetSessionAttrs.READ_WRITE, READ_ONLY_PRIMARY))
        .startsWith("its sessions are read-only (default_transaction_read_only = on)");
  }

  @Test
  void aServerThatDoesNotReportHotStandby_isRefused_namingTheVersionNeeded() {
    assertThat(OriginHandshake.unsuitable(TargetSessionAttrs.READ_WRITE, BEFORE_14))
        .contains("does not report in_hot_standby").contains("Postgres 14 or later");
  }
}
