package dev.outpost.proxy.origin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.wire.Sqlstate;
import dev.outpost.wire.backend.ErrorFields;
import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;

/** Which failed logins move on to the origin URL's next host (libpq's rules, and 57P03). */
class OriginHostFailoverTest {

  private static OriginErrorException refused(Sqlstate state) {
    return new OriginErrorException(ErrorFields.of("FATAL", state, "refused", null, null));
  }

  @Test
  void unreachable_late_closed_unsuitable_orStartingUpHosts_areSkipped() {
    assertThat(OriginConnector.triesNextHost(new ConnectException("Connection refused"))).isTrue();
    assertThat(OriginConnector.triesNextHost(new ConnectTimeoutException("connection timed out"))).isTrue();
    assertThat(OriginConnector.triesNextHost(new ClosedChannelException())).isTrue();
    assertThat(OriginConnector.triesNextHost(new ConnectException("its sessions are read-only"))).isTrue();
    assertThat(OriginConnector.triesNextHost(refused(Sqlstate.CANNOT_CONNECT_NOW)))
        .as("the database system is starting up / shutting down").isTrue();
  }

  @Test
  void anOriginsOtherRefusals_areFinal_asInLibpq() {
    assertThat(OriginConnector.triesNextHost(refused(Sqlstate.INVALID_PASSWORD))).isFalse();
    assertThat(OriginConnector.triesNextHost(refused(Sqlstate.INVALID_CATALOG_NAME))).isFalse();
    assertThat(OriginConnector.triesNextHost(refused(Sqlstate.TOO_MANY_CONNECTIONS))).isFalse();
  }
}
