package dev.outpost.proxy.origin;

import dev.outpost.wire.BackendType;
import dev.outpost.wire.Frame;
import dev.outpost.wire.backend.BackendKeyData;
import dev.outpost.wire.backend.ErrorFields;
import dev.outpost.wire.codec.WriteCoalescer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One logged-in connection to the origin. It belongs to its {@link OriginPool}; while a client
 * session holds it, every backend message goes to that session's {@link OriginListener} on the
 * session's event loop (in one task per read batch when the loops differ).
 *
 * <p>While idle in the pool, asynchronous messages are absorbed here: a FATAL error or a closed
 * socket removes the connection from the pool.
 */
public final class OriginConnection extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(OriginConnection.class);
  private static final AtomicLong IDS = new AtomicLong();

  private final long id = IDS.incrementAndGet();
  private final Channel channel;
  private final OriginPool pool;
  private final BackendKeyData backendKey;
  private final Map<String, String> serverParameters;
  private final ServerState serverState;
  /** A request's messages, copied into one write when small. */
  private final WriteCoalescer out;
  private final long createdNanos = System.nanoTime();
  private volatile long lastReleasedNanos = System.nanoTime();
  private volatile OriginListener listener;
  private volatile boolean broken;
  /** What closed the connection from this side, when Outpost did (told to the session); else null. */
  private volatile Throwable failure;
  private volatile boolean closed;
  private volatile Object holder;
  private List<Frame> pendingForOtherLoop;
  /** The listener that received frames in the current read batch (it may have unbound since). */
  private OriginListener batchListener;

  OriginConnection(Channel channel, OriginPool pool, BackendKeyData backendKey, Map<String, String> serverParameters,
      int preparedCapacity) {
    this.channel = channel;
    this.pool = pool;
    this.backendKey = backendKey;
    this.serverParameters = Map.copyOf(serverParameters);
    this.serverState = new ServerState(preparedCapacity);
    this.out = new WriteCoalescer(channel);
  }

  public long id() {
    return id;
  }

  public Channel channel() {
    return channel;
  }

  public EventLoop eventLoop() {
    return channel.eventLoop();
  }

  public OriginPool pool() {
    return pool;
  }

  /** The origin backend's process id and cancel key. */
  public BackendKeyData backendKey() {
    return backendKey;
  }

  /** ParameterStatus values the origin sent at login. */
  public Map<String, String> serverParameters() {
    return serverParameters;
  }

  public ServerState serverState() {
    return serverState;
  }

  /** Seconds since the connection was opened. */
  public long ageSeconds() {
    return (System.nanoTime() - createdNanos) / 1_000_000_000L;
  }

  long createdNanos() {
    return createdNanos;
  }

  long lastReleasedNanos() {
    return lastReleasedNanos;
  }

  void markReleased() {
    lastReleasedNanos = System.nanoTime();
  }

  /** Who holds the connection now (a session), for SHOW SERVERS; null when idle. */
  public Object holder() {
    return holder;
  }

  /** Binds the connection to a session; frames go to {@code l} from now on. */
  public void bind(OriginListener l, Object holder) {
    this.holder = holder;
    this.listener = l;
    if (closed || !channel.isActive()) {
      // The socket died while the connection was being handed over: channelInactive may have
      // run before the listener was set, so tell the listener here (it ignores a second notice).
      notifyClosed(l);
    }
  }

  private void notifyClosed(OriginListener l) {
    Throwable failed = failure;
    Throwable cause = failed != null ? failed : new java.io.IOException("the origin closed the connection");
    if (l.eventLoop().inEventLoop()) {
      l.onOriginClosed(this, cause);
    } else {
      l.eventLoop().execute(() -> l.onOriginClosed(this, cause));
    }
  }

  void unbind() {
    this.listener = null;
    this.holder = null;
  }

  /**
   * Marks the connection as not reusable (its protocol state is unknown); the pool closes it
   * when it comes back.
   */
  public void markBroken() {
    broken = true;
  }

  public boolean isBroken() {
    return broken || closed || !channel.isActive();
  }

  /** Writes and flushes {@code messages} (ByteBufs or frames) in order, from any thread. */
  public void send(List<Object> messages) {
    if (channel.eventLoop().inEventLoop()) {
      writeAll(messages);
    } else {
      List<Object> copy = new ArrayList<>(messages);
      channel.eventLoop().execute(() -> writeAll(copy));
    }
  }

  private void writeAll(List<Object> messages) {
    for (Object m : messages) {
      out.write(m instanceof Frame f ? f.content() : (ByteBuf) m);
    }
    out.drain();
    channel.flush();
  }

  /** Stops or resumes reading from the origin (backpressure from a slow client). */
  public void autoRead(boolean on) {
    channel.config().setAutoRead(on);
  }

  public boolean isWritable() {
    return channel.isWritable();
  }

  /** Closes the socket; the pool forgets the connection when it is inactive. */
  public void close() {
    closed = true;
    channel.close();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Frame frame = (Frame) msg;
    OriginListener l = listener;
    if (l == null) {
      onUnboundFrame(frame);
      return;
    }
    if (batchListener != null && batchListener != l) {
      // The connection changed hands within this read (a session got its ReadyForQuery and
      // released it, another bound it from its own loop): the first one's part of the read is
      // complete, and it must hear so — it flushes its client on that notice.
      endBatch();
    }
    batchListener = l;
    if (l.eventLoop().inEventLoop()) {
      l.onOriginFrame(this, frame);
    } else {
      if (pendingForOtherLoop == null) {
        pendingForOtherLoop = new ArrayList<>(16);
      }
      pendingForOtherLoop.add(frame);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    endBatch();
  }

  /** Delivers the frames read for {@link #batchListener} on its loop and tells it the read is complete. */
  private void endBatch() {
    OriginListener l = batchListener;
    batchListener = null;
    List<Frame> batch = pendingForOtherLoop;
    pendingForOtherLoop = null;
    if (l == null) {
      if (batch != null) {
        batch.forEach(Frame::release);
      }
      return;
    }
    if (batch != null) {
      l.eventLoop().execute(() -> {
        for (Frame f : batch) {
          l.onOriginFrame(this, f);
        }
        l.onOriginReadComplete(this);
      });
    } else if (l.eventLoop().inEventLoop()) {
      l.onOriginReadComplete(this);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    OriginListener l = listener;
    if (l != null) {
      boolean writable = channel.isWritable();
      if (l.eventLoop().inEventLoop()) {
        l.onOriginWritabilityChanged(this, writable);
      } else {
        l.eventLoop().execute(() -> l.onOriginWritabilityChanged(this, writable));
      }
    }
    ctx.fireChannelWritabilityChanged();
  }

  private void onUnboundFrame(Frame frame) {
    try {
      BackendType type = BackendType.of(frame.type());
      if (type == BackendType.ERROR_RESPONSE) {
        ErrorFields fields = ErrorFields.decode(frame.body());
        log.info("origin connection {} (backend pid {}) reported while idle: {}", id, backendKey.processId(), fields);
        if (fields.isFatal()) {
          markBroken();
        }
      } else if (type != BackendType.NOTICE_RESPONSE && type != BackendType.PARAMETER_STATUS
          && type != BackendType.NOTIFICATION_RESPONSE) {
        log.warn("origin connection {} sent {} while idle; closing it", id, type);
        markBroken();
        close();
      }
    } finally {
      frame.release();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closed = true;
    List<Frame> batch = pendingForOtherLoop;
    pendingForOtherLoop = null;
    if (batch != null) {
      batch.forEach(Frame::release);
    }
    OriginListener l = listener;
    pool.onClosed(this);
    if (l != null) {
      notifyClosed(l);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable c = cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() != null
        ? cause.getCause() : cause;
    log.warn("origin connection {} failed: {}", id, c.toString());
    if (failure == null && c instanceof dev.outpost.wire.PgWireException) {
      failure = c; // why the session loses the connection: told to its client as it is (a refused large row)
    }
    markBroken();
    ctx.close();
  }

  @Override
  public String toString() {
    return "origin#" + id + "(pid " + backendKey.processId() + ")";
  }
}
