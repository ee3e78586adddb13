package dev.outpost.proxy.origin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.wire.backend.BackendKeyData;
import dev.outpost.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How an origin connection hands what it reads to the session holding it. */
class OriginConnectionTest {
  private final DefaultEventLoop otherLoop = new DefaultEventLoop();

  @AfterEach
  void stopLoop() throws Exception {
    otherLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  /**
   * The origin's ReadyForQuery for one session and an unsolicited message (Postgres's shutdown
   * FATAL) arrive in one read; the first session releases the connection on the ReadyForQuery and
   * another session binds it from its own loop before the read ends. The first session must still
   * hear that its read is complete — it flushes its client then; without it the client waits for a
   * ReadyForQuery that sits in the node's buffer (the OriginOutageIT hang).
   */
  @Test
  void aConnectionChangingHandsWithinOneRead_tellsTheFirstHolderItsReadIsComplete() throws Exception {
    EmbeddedChannel channel = new EmbeddedChannel();
    OriginConnection c = new OriginConnection(channel, null, new BackendKeyData(1, new byte[4]), Map.of(), 10);
    Recorder second = new Recorder(otherLoop);
    Recorder first = new Recorder(channel.eventLoop()) {
      @Override
      public void onOriginFrame(OriginConnection connection, Frame frame) {
        super.onOriginFrame(connection, frame);
        if (frame.type() == 'Z') {
          connection.unbind();
          connection.bind(second, "second"); // as a waiter on another loop does, concurrently
        }
      }
    };
    c.bind(first, "first");

    c.channelRead(null, frame('Z', 1));
    c.channelRead(null, frame('E', 8));
    c.channelReadComplete(null);

    assertThat(first.events).containsExactly("frame Z", "read complete");
    otherLoop.submit(() -> { }).sync(); // the second session's loop has run what it was given
    assertThat(second.events).containsExactly("frame E", "read complete");
  }

  @Test
  void framesForASessionOnAnotherLoop_arriveThereInOrder_thenReadComplete() throws Exception {
    EmbeddedChannel channel = new EmbeddedChannel();
    OriginConnection c = new OriginConnection(channel, null, new BackendKeyData(1, new byte[4]), Map.of(), 10);
    Recorder session = new Recorder(otherLoop);
    c.bind(session, "session");

    c.channelRead(null, frame('T', 4));
    c.channelRead(null, frame('D', 4));
    c.channelRead(null, frame('C', 4));
    assertThat(session.events).isEmpty(); // held until the read ends, then sent over in one task
    c.channelReadComplete(null);

    otherLoop.submit(() -> { }).sync();
    assertThat(session.events).containsExactly("frame T", "frame D", "frame C", "read complete");
  }

  private static Frame frame(char type, int bodyLength) {
    ByteBuf b = Unpooled.buffer(5 + bodyLength);
    b.writeByte(type);
    b.writeInt(4 + bodyLength);
    b.writeZero(bodyLength);
    return new Frame(b);
  }

  private static class Recorder implements OriginListener {
    final List<String> events = new CopyOnWriteArrayList<>();
    private final EventLoop loop;

    Recorder(EventLoop loop) {
      this.loop = loop;
    }

    @Override
    public EventLoop eventLoop() {
      return loop;
    }

    @Override
    public void onOriginFrame(OriginConnection connection, Frame frame) {
      events.add("frame " + (char) frame.type());
      frame.release();
    }

    @Override
    public void onOriginReadComplete(OriginConnection connection) {
      events.add("read complete");
    }

    @Override
    public void onOriginClosed(OriginConnection connection, Throwable cause) {
      events.add("closed");
    }
  }
}
