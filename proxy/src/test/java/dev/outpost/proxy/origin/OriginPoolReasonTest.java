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
  void otherFailures_keepTheirMessage_orTheirNameWhenTheyHaveNone() {
    assertThat(OriginPool.reason(new ConnectException("Connection refused"))).isEqualTo("Connection refused");
    assertThat(OriginPool.reason(new IllegalStateException())).isEqualTo("IllegalStateException");
  }
}
