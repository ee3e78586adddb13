package dev.outpost.proxy.origin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import java.time.Duration;
import org.awaitility.Awaitility;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
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
    OriginConnection c = OriginConnections.over(channel);
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
    OriginConnection c = OriginConnections.over(channel);
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

  /**
   * The session's loop is busy (here: blocked) while its origin sends fast. What is read for it
   * waits in that loop's task queue; reading must stop once that backlog passes its mark, else a
   * large answer fills the node's direct memory before the session can see that its client is full
   * (SlowClientIT's OutOfDirectMemoryError, which happened when the two were on different loops).
   */
  @Test
  void readsForABusySessionLoop_stopAtTheBacklogMark_andResumeOnceTakenThere() throws Exception {
    EmbeddedChannel channel = new EmbeddedChannel();
    Recorder session = new Recorder(otherLoop);
    OriginConnection c = heldBy(channel, session);
    CountDownLatch busy = blocked(otherLoop);

    int batches = feedUntilPaused(channel, c, 64);
    assertThat(channel.config().isAutoRead()).as("reading stopped after %d batches of 256 KiB", batches).isFalse();
    assertThat(c.backlogBytes()).isGreaterThan(OriginConnection.BACKLOG_HIGH)
        .isLessThanOrEqualTo(OriginConnection.BACKLOG_HIGH + 4 * (64 * 1024 + 5));

    busy.countDown();
    otherLoop.submit(() -> { }).sync(); // the session's loop took everything
    channel.runPendingTasks(); // the connection's loop hears so
    assertThat(c.backlogBytes()).isZero();
    assertThat(channel.config().isAutoRead()).isTrue();
    assertThat(session.events).hasSize(batches * 5); // 4 frames and a read complete per batch
  }

  /** The backlog draining does not override a session that asked to stop (its client is still full). */
  @Test
  void aSessionThatAskedToStop_staysStopped_whenTheBacklogIsTaken() throws Exception {
    EmbeddedChannel channel = new EmbeddedChannel();
    Recorder session = new Recorder(otherLoop);
    OriginConnection c = heldBy(channel, session);
    CountDownLatch busy = blocked(otherLoop);
    feedUntilPaused(channel, c, 64);

    otherLoop.submit(() -> c.autoRead(false)); // queued behind the backlog, as the session's own request
    busy.countDown();
    otherLoop.submit(() -> { }).sync();
    channel.runPendingTasks();
    assertThat(c.backlogBytes()).isZero();
    assertThat(channel.config().isAutoRead()).isFalse();

    otherLoop.submit(() -> c.autoRead(true)).sync(); // its client drained
    channel.runPendingTasks();
    assertThat(channel.config().isAutoRead()).isTrue();
  }

  /**
   * A failure while the session's loop takes a batch (the node out of memory) must not leave the
   * connection half-read with nobody told: it is closed as broken, and the rest of the batch is
   * released rather than leaked.
   */
  @Test
  void aFailureWhileTheSessionLoopTakesABatch_breaksTheConnection_andReleasesTheRest() throws Exception {
    EmbeddedChannel channel = new EmbeddedChannel();
    OriginConnection c = OriginConnections.over(channel);
    Recorder session = new Recorder(otherLoop) {
      @Override
      public void onOriginFrame(OriginConnection connection, Frame frame) {
        super.onOriginFrame(connection, frame);
        if (frame.type() == 'D') {
          throw new OutOfMemoryError("test: no direct memory left");
        }
      }
    };
    c.bind(session, "session");
    Frame rest = frame('C', 4);
    ByteBuf restBytes = rest.content();
    c.channelRead(null, frame('T', 4));
    c.channelRead(null, frame('D', 4));
    c.channelRead(null, rest);
    c.channelReadComplete(null);
    otherLoop.submit(() -> { }).sync();
    channel.runPendingTasks();

    assertThat(session.events).containsExactly("frame T", "frame D");
    assertThat(restBytes.refCnt()).isZero();
    assertThat(c.isBroken()).isTrue();
    assertThat(channel.isOpen()).isFalse();
    assertThat(c.backlogBytes()).isZero();
  }

  /**
   * The other direction: a session on another loop sends faster than the connection's loop writes
   * (here: that loop is blocked). What waits there counts against isWritable(), so the session
   * stops reading its client; once it is written the session hears that it may send again.
   */
  @Test
  void sendsFromAnotherLoop_countAgainstWritability_untilWrittenThere() throws Exception {
    DefaultEventLoopGroup group = new DefaultEventLoopGroup(1);
    LocalAddress address = new LocalAddress("origin-connection-test-" + System.nanoTime());
    try {
      Channel server = new ServerBootstrap().group(group).channel(LocalServerChannel.class)
          .childHandler(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
              ReferenceCountUtil.release(msg); // the origin reads everything
            }
          })
          .bind(address).sync().channel();
      Channel channel = new Bootstrap().group(group).channel(LocalChannel.class)
          .handler(new ChannelInboundHandlerAdapter()).connect(address).sync().channel();
      Recorder session = new Recorder(otherLoop);
      OriginConnection c = heldBy(channel, session);
      CountDownLatch busy = blocked(channel.eventLoop());

      int sends = 0;
      while (c.isWritable() && sends < 64) {
        c.send(List.of(Unpooled.wrappedBuffer(new byte[256 * 1024])));
        sends++;
      }
      assertThat(c.isWritable()).as("not writable after %d sends of 256 KiB", sends).isFalse();
      assertThat(sends).isLessThanOrEqualTo(5);

      busy.countDown();
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> session.events.contains("writable"));
      assertThat(c.isWritable()).isTrue();
      channel.close().sync();
      server.close().sync();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  /** Feeds batches of four 64 KiB DataRows until reading stops (at most {@code limit} batches). */
  /**
   * SHOW SERVERS reads a connection's state: a connection released while a cancel sent for its
   * last request may still land is neither idle nor anyone's, and says so until the cancel lands.
   */
  @Test
  void state_namesWhatTheConnectionDoes_includingAHoldForACancelInFlight() {
    EmbeddedChannel channel = new EmbeddedChannel();
    OriginConnection c = OriginConnections.over(channel);
    assertThat(c.state()).isEqualTo("idle");

    Recorder session = new Recorder(channel.eventLoop());
    c.bind(session, session); // a client session holds it
    assertThat(c.state()).isEqualTo("active");

    Promise<Void> landed = channel.eventLoop().newPromise();
    c.cancelSent(landed);
    c.unbind();
    assertThat(c.state()).isEqualTo("cancelling");
    landed.setSuccess(null);
    assertThat(c.state()).isEqualTo("idle");

    c.bind(session, "draining"); // the node's own use names itself
    assertThat(c.state()).isEqualTo("draining");
  }

  /**
   * What arrives while no session holds the connection (the rest of an answer whose client left)
   * breaks and closes it, and is logged once, not once per message (5,461 identical lines came of
   * one client leaving a large COPY TO STDOUT).
   */
  @Test
  void messagesWhileUnbound_closeTheConnection_andAreLoggedOnce() {
    EmbeddedChannel channel = new EmbeddedChannel();
    OriginConnection c = OriginConnections.over(channel);
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(OriginConnection.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
        new ch.qos.logback.core.read.ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    try {
      for (int i = 0; i < 50; i++) {
        c.channelRead(null, frame('d', 16));
      }
      c.channelReadComplete(null);
    } finally {
      logger.detachAppender(appender);
    }
    assertThat(appender.list).filteredOn(e -> e.getFormattedMessage().contains("while idle")).hasSize(1);
    assertThat(c.isBroken()).isTrue();
  }

  private static int feedUntilPaused(EmbeddedChannel channel, OriginConnection c, int limit) {
    int batches = 0;
    while (channel.config().isAutoRead() && batches < limit) {
      for (int i = 0; i < 4; i++) {
        c.channelRead(null, frame('D', 64 * 1024));
      }
      c.channelReadComplete(null);
      batches++;
    }
    return batches;
  }

  /** A connection over {@code channel}, bound to {@code session}. */
  private static OriginConnection heldBy(Channel channel, Recorder session) {
    OriginConnection c = OriginConnections.over(channel);
    c.bind(session, "session");
    return c;
  }

  /** Keeps {@code loop} busy until the returned latch is counted down (30 s at most). */
  private static CountDownLatch blocked(EventLoop loop) {
    CountDownLatch busy = new CountDownLatch(1);
    loop.execute(() -> awaitQuietly(busy));
    return busy;
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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

    @Override
    public void onOriginWritabilityChanged(OriginConnection connection, boolean writable) {
      events.add(writable ? "writable" : "not writable");
    }
  }
}
