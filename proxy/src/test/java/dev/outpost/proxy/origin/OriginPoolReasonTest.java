package dev.outpost.proxy.origin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;

/** What a client reads after "could not connect to the origin …:". */
class OriginPoolReasonTest {

  @Test
  void aClosedChannel_isSaidInWords_notAsAnExceptionClassName() {
    assertThat(OriginPool.reason(new ClosedChannelException()))
        .isEqualTo("the connection closed before the login completed");
  }

  @Test
  void nettysNativeMessages_keepTheOperatingSystemsWords_withoutTheSystemCallErrnoOrAddress() {
    assertThat(OriginPool.reason(new ConnectException(
        "finishConnect(..) failed with error(-111): Connection refused: /127.0.0.1:40655")))
        .isEqualTo("Connection refused");
    assertThat(OriginPool.reason(new java.io.IOException("recvAddress(..) failed with error(-104): Connection reset by peer")))
        .isEqualTo("Connection reset by peer");
    assertThat(OriginPool.reason(new ConnectException(
        "finishConnect(..) failed: No route to host: origin.example.com/10.0.0.5:5432")))
        .isEqualTo("No route to host");
  }

  @Test
  void otherFailures_keepTheirMessage_orTheirNameWhenTheyHaveNone() {
    assertThat(OriginPool.reason(new ConnectException("Connection refused"))).isEqualTo("Connection refused");
    assertThat(OriginPool.reason(new IllegalStateException())).isEqualTo("IllegalStateException");
  }
}
