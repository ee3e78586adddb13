package dev.outpost.proxy.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.channels.NotYetConnectedException;
import org.junit.jupiter.api.Test;

/**
 * The handler origin sockets carry before their login's handlers: it takes a socket error so that
 * none reaches the tail of the pipeline (Netty's WARN with a stack trace). A connecting socket is
 * not closed by it — its connect then fails with its own cause, not a ClosedChannelException that
 * clients would read as "StacklessClosedChannelException" — and a cancel socket is.
 */
class EarlyErrorsTest {

  @Test
  void aConnectingSocketsError_isTaken_andLeftToTheConnectToReport() {
    EmbeddedChannel ch = new EmbeddedChannel(OriginConnector.EarlyErrors.CONNECTING);
    ch.pipeline().fireExceptionCaught(new NotYetConnectedException());

    assertThatCode(ch::checkException).as("nothing reached the tail").doesNotThrowAnyException();
    assertThat(ch.isOpen()).as("not closed here").isTrue();
    ch.finishAndReleaseAll();
  }

  @Test
  void aCancelSocketsError_isTaken_andClosesIt() {
    EmbeddedChannel ch = new EmbeddedChannel(OriginConnector.EarlyErrors.CANCEL);
    ch.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));

    assertThatCode(ch::checkException).as("nothing reached the tail").doesNotThrowAnyException();
    assertThat(ch.isOpen()).isFalse();
  }
}
