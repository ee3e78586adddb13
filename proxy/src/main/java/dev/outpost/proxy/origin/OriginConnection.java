package dev.outpost.proxy.origin;

import dev.outpost.proxy.config.OriginHost;
import dev.outpost.wire.BackendType;
import dev.outpost.wire.Frame;
import dev.outpost.wire.PgWireException;
import dev.outpost.wire.Sqlstate;
import dev.outpost.wire.backend.BackendKeyData;
import dev.outpost.wire.backend.ErrorFields;
import dev.outpost.wire.codec.WriteCoalescer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Future;
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
 *
 * <p>Reading stops for either of two reasons: the session asks ({@link #autoRead}, its client is
 * not keeping up), or what was read for a session on another loop has not been taken there yet
 * (more than {@link #BACKLOG_HIGH} bytes, until it is down to {@link #BACKLOG_LOW}). Without the
 * second, a busy session loop let an origin sending fast fill the node's direct memory with read
 * batches waiting in that loop's task queue, before the session could see its client was full.
 * The other direction is bounded the same way: what a session on another loop {@link #send sends}
 * and this loop has not written yet counts against {@link #isWritable}.
 */
public final class OriginConnection extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(OriginConnection.class);
  private static final AtomicLong IDS = new AtomicLong();
  /** Bytes read for a session on another loop and not yet taken there, above which reading stops. */
  static final long BACKLOG_HIGH = 1024 * 1024;
  /** ... and below which it resumes (unless the session asked it to stop). */
  static final long BACKLOG_LOW = 256 * 1024;

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
  /** The pool's RECONNECT count when this connection's connect started (see OriginPool#reconnect). */
  private volatile long generation;
  private volatile OriginListener listener;
  private final OriginHost host;
  private volatile boolean broken;
  /** A message arrived while no session was bound and was logged (once per connection). */
  private boolean reportedUnbound;
  /** A cancel sent for this backend that may not have reached it yet (see {@link #cancelSent}). */
  private volatile Future<?> cancelInFlight;
  /** What closed the connection from this side, when Outpost did (told to the session); else null. */
  private volatile Throwable failure;
  private volatile boolean closed;
  private volatile Object holder;
  private List<Frame> pendingForOtherLoop;
  /** Bytes of {@link #pendingForOtherLoop}. */
  private long pendingBytes;
  /** Bytes handed to another loop's session and not yet taken there (the backlog). */
  private final AtomicLong backlog = new AtomicLong();
  /** Reading stopped because the backlog passed {@link #BACKLOG_HIGH}; written on the channel's loop only. */
  private volatile boolean backlogPaused;
  /** The session asked to stop reading (its client is full). */
  private volatile boolean listenerPaused;
  /** Bytes a session on another loop sent that this loop has not written yet. */
  private final AtomicLong sendBacklog = new AtomicLong();
  /** {@link #sendBacklog} passed {@link #BACKLOG_HIGH} and has not come down to {@link #BACKLOG_LOW}. */
  private volatile boolean sendBacklogFull;
  /** The listener that received frames in the current read batch (it may have unbound since). */
  private OriginListener batchListener;

  OriginConnection(Channel channel, OriginPool pool, OriginHost host, BackendKeyData backendKey,
      Map<String, String> serverParameters, int preparedCapacity) {
    this.channel = channel;
    this.pool = pool;
    this.host = host;
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

  /** The origin host this connection reached (one of the origin URL's, when it lists several). */
  public OriginHost host() {
    return host;
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

  long generation() {
    return generation;
  }

  void generation(long g) {
    generation = g;
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

  /**
   * What the connection does now, for SHOW SERVERS: {@code active} (a client's requests), the
   * name the node's own holder gave ({@code resetting}, {@code refreshing}, {@code draining}), or,
   * with no holder, {@code cancelling} (held back until a cancel sent for it can no longer land)
   * or {@code idle}.
   */
  public String state() {
    Object h = holder;
    if (h instanceof String name) {
      return name;
    }
    if (h != null) {
      return "active";
    }
    Future<?> f = cancelInFlight;
    return f != null && !f.isDone() ? "cancelling" : "idle";
  }

  /**
   * Binds the connection to a session; frames go to {@code l} from now on. A {@code holder} that
   * is a String is the node's own use of the connection, and names it in {@link #state()}.
   */
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
   * A CancelRequest was sent for this backend; {@code landed} completes once it can no longer reach
   * it (see {@link OriginConnector#cancel}). Until then the pool gives the connection to nobody else.
   */
  public void cancelSent(Future<?> landed) {
    cancelInFlight = landed;
  }

  /** The cancel sent for this backend that may still land, or null (one that has landed is forgotten). */
  Future<?> pendingCancel() {
    Future<?> f = cancelInFlight;
    if (f != null && f.isDone()) {
      cancelInFlight = null;
      return null;
    }
    return f;
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

  /**
   * Writes and flushes {@code messages} (ByteBufs or frames) in order, from any thread. From another
   * loop, what waits to be written there counts against {@link #isWritable()}; the holder hears
   * {@link OriginListener#onOriginWritabilityChanged} when it has been written.
   */
  public void send(List<Object> messages) {
    if (channel.eventLoop().inEventLoop()) {
      writeAll(messages);
      return;
    }
    List<Object> copy = new ArrayList<>(messages);
    long bytes = 0;
    for (Object m : copy) {
      bytes += (m instanceof Frame f ? f.content() : (ByteBuf) m).readableBytes();
    }
    if (sendBacklog.addAndGet(bytes) > BACKLOG_HIGH && !sendBacklogFull) {
      sendBacklogFull = true;
      if (sendBacklog.get() <= BACKLOG_LOW) {
        sendBacklogFull = false; // written meanwhile (the writer may not have seen the flag)
      }
    }
    long queued = bytes;
    channel.eventLoop().execute(() -> {
      try {
        writeAll(copy);
      } finally {
        written(queued);
      }
    });
  }

  /** On the channel's loop: {@code bytes} sent from another loop are written. */
  private void written(long bytes) {
    if (sendBacklog.addAndGet(-bytes) <= BACKLOG_LOW && sendBacklogFull) {
      sendBacklogFull = false;
      OriginListener l = listener;
      if (l != null && channel.isWritable()) {
        l.eventLoop().execute(() -> l.onOriginWritabilityChanged(this, true));
      }
    }
  }

  private void writeAll(List<Object> messages) {
    for (Object m : messages) {
      out.write(m instanceof Frame f ? f.content() : (ByteBuf) m);
    }
    out.drain();
    channel.flush();
  }

  /**
   * Stops or resumes reading from the origin (backpressure from a slow client), from any thread.
   * Stopping takes effect at once; resuming waits for the backlog of another loop to drain too.
   */
  public void autoRead(boolean on) {
    listenerPaused = !on;
    if (!on) {
      channel.config().setAutoRead(false);
    }
    if (channel.eventLoop().inEventLoop()) {
      applyAutoRead();
    } else {
      channel.eventLoop().execute(this::applyAutoRead);
    }
  }

  /** Reads while neither the session nor the backlog says stop (on the channel's loop). */
  private void applyAutoRead() {
    boolean on = !listenerPaused && !backlogPaused;
    if (channel.config().isAutoRead() != on) {
      channel.config().setAutoRead(on);
    }
  }

  /** Bytes read for a session on another loop and not yet taken there. */
  long backlogBytes() {
    return backlog.get();
  }

  /** Whether the holder may send more: the socket takes it and not too much waits to be written. */
  public boolean isWritable() {
    return channel.isWritable() && !sendBacklogFull;
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
      pendingBytes += frame.content().readableBytes();
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
    long bytes = pendingBytes;
    pendingForOtherLoop = null;
    pendingBytes = 0;
    if (l == null) {
      if (batch != null) {
        batch.forEach(Frame::release);
      }
      return;
    }
    if (batch != null) {
      if (backlog.addAndGet(bytes) > BACKLOG_HIGH && !backlogPaused) {
        backlogPaused = true;
        if (backlog.get() <= BACKLOG_LOW) {
          backlogPaused = false; // taken meanwhile (the taker may not have seen the flag)
        }
        applyAutoRead();
      }
      l.eventLoop().execute(() -> deliver(l, batch, bytes));
    } else if (l.eventLoop().inEventLoop()) {
      l.onOriginReadComplete(this);
    }
  }

  /**
   * On the session's loop: hands over a batch read on the connection's loop. A failure there (the
   * node out of memory) loses the connection as a failure on its own loop would: the rest of the
   * batch is released, and the session hears that the connection closed, and why.
   */
  private void deliver(OriginListener l, List<Frame> batch, long bytes) {
    int i = 0;
    try {
      for (; i < batch.size(); i++) {
        l.onOriginFrame(this, batch.get(i)); // the frame is the listener's now, even if it throws
      }
      l.onOriginReadComplete(this);
    } catch (Throwable t) {
      for (int j = i + 1; j < batch.size(); j++) {
        batch.get(j).release();
      }
      fail(t);
    } finally {
      if (backlog.addAndGet(-bytes) <= BACKLOG_LOW && backlogPaused) {
        channel.eventLoop().execute(this::resumeAfterBacklog);
      }
    }
  }

  private void resumeAfterBacklog() {
    if (backlogPaused && backlog.get() <= BACKLOG_LOW) {
      backlogPaused = false;
      applyAutoRead();
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
        if (!reportedUnbound) {
          // once: the rest of what was already read (thousands of rows of an answer whose client
          // left, say) arrives here too before the close takes effect
          reportedUnbound = true;
          log.warn("origin connection {} sent {} while idle; closing it", id, type);
        }
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
    pendingBytes = 0;
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
    fail(cause);
  }

  /** Closes the connection after a failure on this side, keeping why for the session (any thread). */
  private void fail(Throwable cause) {
    Throwable c = cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() != null
        ? cause.getCause() : cause;
    if (c instanceof java.io.IOException || c instanceof PgWireException || c instanceof OutOfMemoryError) {
      log.warn("origin connection {} failed: {}", id, c.toString()); // the network, the origin, or no memory
    } else {
      log.error("origin connection {} failed unexpectedly; closing it", id, c); // a bug: with its stack trace
    }
    if (failure == null && c instanceof PgWireException) {
      failure = c; // why the session loses the connection: told to its client as it is (a refused large row)
    } else if (failure == null && c instanceof OutOfMemoryError oom) {
      failure = new PgWireException(Sqlstate.OUT_OF_MEMORY,
          "the node ran out of memory while relaying its answer (" + oom.getMessage() + ")", null,
          "retry later; if it recurs, the node's operator should give it more memory (-Xmx, which also bounds its"
              + " direct memory)", true);
    }
    markBroken();
    channel.close();
  }

  @Override
  public String toString() {
    return "origin#" + id + "(pid " + backendKey.processId() + ")";
  }
}
