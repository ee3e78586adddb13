package dev.outpost.proxy.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.proxy.metrics.AbandonedWriteOutcome;
import dev.outpost.proxy.origin.OriginConnection;
import dev.outpost.proxy.origin.OriginConnections;
import dev.outpost.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The drain of a client that left mid-write: it ends on the last ReadyForQuery due, cancels what
 * still runs after abandoned-write-timeout (and each request of the client's that starts after
 * that), and gives up only on a backend that does not answer the cancel; it settles once.
 */
class DisconnectedDrainTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final EmbeddedChannel channel = new EmbeddedChannel();
  private final OriginConnection c = OriginConnections.over(channel);
  private final AtomicInteger cancels = new AtomicInteger();
  private final List<AbandonedWriteOutcome> settled = new ArrayList<>();

  private DisconnectedDrain start(int readiesDue) {
    channel.freezeTime();
    return DisconnectedDrain.start(c, readiesDue, TIMEOUT, cancels::incrementAndGet, settled::add);
  }

  private void after(long seconds) {
    channel.advanceTimeBy(seconds, TimeUnit.SECONDS);
    channel.runScheduledPendingTasks();
  }

  private void origin(char... types) {
    for (char t : types) {
      c.channelRead(null, frame(t));
    }
    c.channelReadComplete(null);
  }

  @Test
  void requestsEndingInTime_endTheDrain_withoutACancel() {
    start(2);
    origin('C', 'Z');
    assertThat(settled).isEmpty(); // one of two requests answered
    origin('C', 'Z');
    assertThat(settled).containsExactly(AbandonedWriteOutcome.ENDED);
    after(TIMEOUT.toSeconds() + DisconnectedDrain.CANCEL_GRACE_SECONDS);
    assertThat(cancels).hasValue(0);
    assertThat(settled).containsExactly(AbandonedWriteOutcome.ENDED);
  }

  @Test
  void aRequestStillRunningAtTheTimeout_isCancelled_andTheDrainEndsOnItsAnswer() {
    start(1);
    after(TIMEOUT.toSeconds() - 1);
    assertThat(cancels).hasValue(0);
    after(1);
    assertThat(cancels).hasValue(1);
    assertThat(settled).isEmpty();
    origin('E', 'Z'); // 57014, then ReadyForQuery
    assertThat(settled).containsExactly(AbandonedWriteOutcome.CANCELLED);
    after(DisconnectedDrain.CANCEL_GRACE_SECONDS);
    assertThat(settled).containsExactly(AbandonedWriteOutcome.CANCELLED);
  }

  @Test
  void requestsPipelinedBehindTheCancelledOne_areCancelledAsTheyStart() {
    start(3);
    after(TIMEOUT.toSeconds());
    assertThat(cancels).hasValue(1);
    origin('E', 'Z'); // the first ends cancelled; the second starts
    assertThat(cancels).hasValue(2);
    origin('E', 'Z');
    assertThat(cancels).hasValue(3);
    origin('E', 'Z');
    assertThat(cancels).hasValue(3);
    assertThat(settled).containsExactly(AbandonedWriteOutcome.CANCELLED);
  }

  @Test
  void aBackendThatDoesNotAnswerTheCancel_isGivenUpOn_afterTheGrace() {
    start(1);
    after(TIMEOUT.toSeconds());
    after(DisconnectedDrain.CANCEL_GRACE_SECONDS - 1);
    assertThat(settled).isEmpty();
    after(1);
    assertThat(settled).containsExactly(AbandonedWriteOutcome.CUT_SHORT);
    origin('E', 'Z'); // too late: settled once
    assertThat(settled).containsExactly(AbandonedWriteOutcome.CUT_SHORT);
    assertThat(cancels).hasValue(1);
  }

  @Test
  void theConnectionClosing_endsTheDrain_andNoCancelFollows() {
    DisconnectedDrain d = start(1);
    d.onOriginClosed(c, new IOException("the origin closed the connection"));
    assertThat(settled).containsExactly(AbandonedWriteOutcome.CLOSED);
    after(TIMEOUT.toSeconds() + DisconnectedDrain.CANCEL_GRACE_SECONDS);
    assertThat(cancels).hasValue(0);
    assertThat(settled).containsExactly(AbandonedWriteOutcome.CLOSED);
  }

  @Test
  void anAnswerRelayedByTheSession_countsLikeOneReadDirectly() {
    DisconnectedDrain d = start(2);
    d.relay(frame('Z')); // reached the session before the drain took over
    channel.runPendingTasks();
    assertThat(settled).isEmpty();
    origin('Z');
    assertThat(settled).containsExactly(AbandonedWriteOutcome.ENDED);
  }

  private static Frame frame(char type) {
    ByteBuf b = Unpooled.buffer(6);
    b.writeByte(type);
    b.writeInt(type == 'Z' ? 5 : 4);
    if (type == 'Z') {
      b.writeByte('I');
    }
    return new Frame(b);
  }
}
