package dev.outpost.proxy.origin;

import dev.outpost.proxy.config.OriginHost;
import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.wire.BackendType;
import dev.outpost.wire.codec.FrameDecoder;
import dev.outpost.wire.codec.MessageMemory;
import dev.outpost.wire.frontend.CancelRequest;
import dev.outpost.wire.frontend.SslRequest;
import dev.outpost.wire.frontend.StartupMessage;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.ConnectException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jdk.net.ExtendedSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens logged-in connections to the origin: TCP, optional TLS (SSLRequest first, as libpq does),
 * StartupMessage and authentication. The resulting channel's pipeline is
 * {@code [ssl] → frames → connection}.
 */
public final class OriginConnector {
  private static final Logger log = LoggerFactory.getLogger(OriginConnector.class);
  private static final String EARLY_ERRORS = "early-errors";

  /**
   * Takes the errors of a socket that has no protocol handler yet — a connect the origin refuses or
   * resets while it shuts down, a cancel connection. Without it Netty logged "an exceptionCaught()
   * event … reached at the tail of the pipeline" with a stack trace (NotYetConnectedException) at
   * WARN, seen in soak runs whenever the origin restarted. A connect is left to fail on its own, so
   * that its future reports the socket's error (closing it here made that a ClosedChannelException);
   * a cancel connection, which nobody waits for, is closed.
   */
  @ChannelHandler.Sharable
  static final class EarlyErrors extends ChannelInboundHandlerAdapter {
    static final EarlyErrors CONNECTING = new EarlyErrors(false);
    static final EarlyErrors CANCEL = new EarlyErrors(true);
    private final boolean close;

    private EarlyErrors(boolean close) {
      this.close = close;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("origin socket {} failed before its login began: {}", ctx.channel(), cause.toString());
      if (close) {
        ctx.close();
      }
    }
  }

  static final String FRAME_DECODER = "frames";
  static final String CONNECTION_HANDLER = "connection";
  /** Largest message accepted from the origin: a DataRow may carry a 1 GiB field. */
  private static final int MAX_ORIGIN_MESSAGE = Integer.MAX_VALUE - 1;

  private final Class<? extends SocketChannel> channelClass;
  private final MessageMemory largeMessages;
  private volatile OriginSocketSettings settings;

  /**
   * @param largeMessages where the origin's large messages (rows with big values) are counted while
   *     held, beside the clients' (null: not counted)
   */
  public OriginConnector(Class<? extends SocketChannel> channelClass, OriginSocketSettings settings,
      MessageMemory largeMessages) {
    this.channelClass = channelClass;
    this.largeMessages = largeMessages;
    settings(settings);
  }

  /** Applies to connections opened from now on (a configuration reload). */
  public void settings(OriginSocketSettings s) {
    if (!s.userTimeout().isZero() && !isEpoll(channelClass)) {
      log.warn("origin-tcp-user-timeout needs the epoll transport; with {} the system default applies",
          channelClass.getSimpleName());
    }
    settings = s;
  }

  public OriginSocketSettings settings() {
    return settings;
  }

  private static boolean isEpoll(Class<?> channelClass) {
    return EpollSocketChannel.class.isAssignableFrom(channelClass);
  }

  /**
   * Keepalive timing and the user timeout on {@code b} (SO_KEEPALIVE is always on): through epoll's
   * options natively, through the JDK's extended socket options with NIO (no user timeout there).
   */
  private void liveness(Bootstrap b, OriginSocketSettings s) {
    b.option(ChannelOption.SO_KEEPALIVE, true);
    boolean epoll = isEpoll(channelClass);
    if (!s.keepalive().isZero()) {
      int idle = s.keepaliveIdleSeconds();
      int interval = s.keepaliveIntervalSeconds();
      if (epoll) {
        b.option(EpollChannelOption.TCP_KEEPIDLE, idle)
            .option(EpollChannelOption.TCP_KEEPINTVL, interval)
            .option(EpollChannelOption.TCP_KEEPCNT, OriginSocketSettings.KEEPALIVE_PROBES);
      } else {
        b.option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE), idle)
            .option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL), interval)
            .option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), OriginSocketSettings.KEEPALIVE_PROBES);
      }
    }
    if (!s.userTimeout().isZero() && epoll) {
      b.option(EpollChannelOption.TCP_USER_TIMEOUT, (int) Math.min(Integer.MAX_VALUE, s.userTimeout().toMillis()));
    }
  }

  /**
   * Logs in as {@code target}'s user once, only to learn whether the origin accepts its password,
   * and closes the connection (passthrough authentication).
   */
  public Future<Void> verifyLogin(EventLoop loop, OriginUrl target, OriginPool pool) {
    io.netty.util.concurrent.Promise<Void> p = loop.newPromise();
    connect(loop, target, pool == null ? 0 : pool.preferredHost(), pool, 1, Map.of()).addListener(f -> {
      if (f.isSuccess()) {
        OriginConnection c = (OriginConnection) f.getNow();
        c.markBroken();
        c.close();
        p.trySuccess(null);
      } else {
        p.tryFailure(f.cause());
      }
    });
    return p;
  }

  /**
   * Connects and logs in as {@code target}'s user to its database, on {@code loop}. The future
   * fails with an {@link OriginErrorException} when the origin refuses (wrong password, unknown
   * database, too many connections), or with an I/O exception when it cannot be reached. With
   * several hosts, they are tried in turn from the one at {@code firstHost} (wrapping around) until
   * one accepts the login and suits target_session_attrs ({@link OriginHost} says which failures
   * move on); each host has the whole connect timeout, and when every one failed, the failure's
   * message names what each answered.
   */
  Future<OriginConnection> connect(EventLoop loop, OriginUrl target, int firstHost, OriginPool pool,
      int preparedCapacity, Map<String, String> extraStartupParameters) {
    if (!target.severalHosts()) {
      return connectTo(loop, target, pool, preparedCapacity, extraStartupParameters);
    }
    Promise<OriginConnection> promise = loop.newPromise();
    tryHost(loop, target, firstHost, 0, new StringBuilder(), pool, preparedCapacity, extraStartupParameters, promise);
    return promise;
  }

  private void tryHost(EventLoop loop, OriginUrl target, int firstHost, int tried, StringBuilder failures,
      OriginPool pool, int preparedCapacity, Map<String, String> extra, Promise<OriginConnection> promise) {
    List<OriginHost> hosts = target.hosts();
    OriginHost host = hosts.get(Math.floorMod(firstHost + tried, hosts.size()));
    connectTo(loop, target.at(host), pool, preparedCapacity, extra).addListener(f -> {
      if (f.isSuccess()) {
        if (tried > 0) { // a failover: say why the hosts before were passed over (when all fail, the pool says)
          log.warn("origin connection made to {}; passed over {}", host.address(), failures);
        }
        if (!promise.trySuccess((OriginConnection) f.getNow())) {
          ((OriginConnection) f.getNow()).close();
        }
        return;
      }
      Throwable cause = f.cause();
      failures.append(failures.length() == 0 ? "" : "; ").append(host.address()).append(": ").append(reason(cause));
      if (!triesNextHost(cause) || tried + 1 == hosts.size()) {
        promise.tryFailure(triesNextHost(cause) ? withAllHosts(cause, failures) : cause);
        return;
      }
      log.debug("origin host {} could not be used ({}); trying the next", host.address(), reason(cause));
      tryHost(loop, target, firstHost, tried + 1, failures, pool, preparedCapacity, extra, promise);
    });
  }

  /**
   * Whether a failed login moves on to the next listed host: the host could not be reached or
   * answered too late, is starting up or shutting down (57P03), or does not suit
   * target_session_attrs. An origin's other refusals are final, as in libpq: a wrong password or
   * an unknown database is not better elsewhere.
   */
  static boolean triesNextHost(Throwable cause) {
    if (cause instanceof OriginErrorException oe) {
      return "57P03".equals(oe.fields().sqlstate());
    }
    return true;
  }

  /** The failure of the last host tried, its message listing every host's. */
  private static Throwable withAllHosts(Throwable last, CharSequence failures) {
    if (last instanceof OriginErrorException) {
      return last; // the origin's own fields reach the client unchanged
    }
    ConnectException e = new ConnectException("no origin host could be used: " + failures);
    e.initCause(last);
    return e;
  }

  /** Connects to {@code target}'s one host and logs in. */
  private Future<OriginConnection> connectTo(EventLoop loop, OriginUrl target, OriginPool pool, int preparedCapacity,
      Map<String, String> extraStartupParameters) {
    Promise<OriginConnection> promise = loop.newPromise();
    OriginTls tls = OriginTls.forOrigin(target);
    OriginSocketSettings s = settings;
    Duration connectTimeout = s.connectTimeout();
    Bootstrap b = new Bootstrap()
        .group(loop)
        .channel(channelClass)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            // the login's handlers are added once connected, depending on TLS
            ch.pipeline().addLast(EARLY_ERRORS, EarlyErrors.CONNECTING);
          }
        });
    liveness(b, s);
    ChannelFuture cf = b.connect(target.host(), target.port());
    // The whole login is bounded by the connect timeout, not only the TCP connect.
    io.netty.util.concurrent.ScheduledFuture<?> timeout = loop.schedule(() -> {
      if (promise.tryFailure(new ConnectException("timed out after " + connectTimeout.toMillis()
          + " ms connecting and logging in to the origin " + target.address()))) {
        cf.channel().close();
      }
    }, connectTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    promise.addListener(f -> timeout.cancel(false));
    cf.addListener((ChannelFuture f) -> {
      if (!f.isSuccess()) {
        promise.tryFailure(f.cause());
        return;
      }
      Channel ch = f.channel();
      if (ch.pipeline().get(EARLY_ERRORS) != null) {
        ch.pipeline().remove(EARLY_ERRORS); // from here the login's handlers take the socket's errors
      }
      StartupMessage startup = startupMessage(target, extraStartupParameters);
      if (tls == null) {
        startPlain(ch, target, pool, preparedCapacity, promise, startup);
      } else if (tls.direct()) {
        startTls(ch, tls, target, pool, preparedCapacity, promise, startup);
      } else {
        ch.pipeline().addLast("ssl-response", new SslResponseHandler(tls, target, pool, preparedCapacity, promise, startup));
        ch.writeAndFlush(SslRequest.INSTANCE.encode(ch.alloc()));
      }
    });
    return promise;
  }

  private static StartupMessage startupMessage(OriginUrl target, Map<String, String> extra) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("user", target.user());
    params.put("database", target.database());
    params.putAll(extra);
    return StartupMessage.v3(params);
  }

  private void startPlain(Channel ch, OriginUrl target, OriginPool pool, int preparedCapacity,
      Promise<OriginConnection> promise, StartupMessage startup) {
    ChannelPipeline p = ch.pipeline();
    p.addLast(FRAME_DECODER, new FrameDecoder(MAX_ORIGIN_MESSAGE, b -> BackendType.of((byte) b) != null, "origin",
        largeMessages));
    p.addLast("handshake", new OriginHandshake(target, pool, preparedCapacity, promise));
    ch.writeAndFlush(startup.encode(ch.alloc()));
  }

  /** Starts the TLS handshake and, once it is done, the login inside it. */
  private void startTls(Channel ch, OriginTls tls, OriginUrl target, OriginPool pool, int preparedCapacity,
      Promise<OriginConnection> promise, StartupMessage startup) {
    SslHandler ssl = tls.newHandler(ch.alloc());
    ch.pipeline().addFirst("ssl", ssl);
    // a failed handshake is reported through the promise, not again as an error at the pipeline's tail
    ch.pipeline().addLast(EARLY_ERRORS, EarlyErrors.CONNECTING);
    ssl.handshakeFuture().addListener(h -> {
      String refusal = h.isSuccess() ? tls.refusal(ssl) : null;
      if (h.isSuccess() && refusal == null) {
        ch.pipeline().remove(EARLY_ERRORS);
        startPlain(ch, target, pool, preparedCapacity, promise, startup);
      } else {
        promise.tryFailure(new ConnectException(refusal != null ? refusal
            : "TLS handshake with the origin " + target.address() + " failed: " + reason(h.cause())
                + (tls.direct() ? " (sslnegotiation=direct needs Postgres 17 or later with ssl = on)" : "")));
        ch.close();
      }
    });
  }

  private static String reason(Throwable cause) {
    if (cause instanceof java.nio.channels.ClosedChannelException) {
      return "the origin closed the connection";
    }
    return cause.getMessage() != null ? cause.getMessage() : cause.toString();
  }

  /** Reads the origin's one-byte answer to SSLRequest and starts TLS (or falls back, for prefer). */
  private final class SslResponseHandler extends ByteToMessageDecoder {
    private final OriginTls tls;
    private final OriginUrl target;
    private final OriginPool pool;
    private final int preparedCapacity;
    private final Promise<OriginConnection> promise;
    private final StartupMessage startup;

    SslResponseHandler(OriginTls tls, OriginUrl target, OriginPool pool, int preparedCapacity,
        Promise<OriginConnection> promise, StartupMessage startup) {
      this.tls = tls;
      this.target = target;
      this.pool = pool;
      this.preparedCapacity = preparedCapacity;
      this.promise = promise;
      this.startup = startup;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      if (!in.isReadable()) {
        return;
      }
      byte answer = in.readByte();
      if (in.isReadable()) {
        promise.tryFailure(new ConnectException("the origin sent unexpected bytes after its SSL answer"));
        ctx.close();
        return;
      }
      Channel ch = ctx.channel();
      ctx.pipeline().remove(this);
      if (answer == 'S') {
        startTls(ch, tls, target, pool, preparedCapacity, promise, startup);
      } else if (answer == 'N' && tls.optional()) {
        startPlain(ch, target, pool, preparedCapacity, promise, startup);
      } else {
        promise.tryFailure(new ConnectException("the origin " + target.address()
            + " does not accept TLS, but sslmode requires it"));
        ch.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      promise.tryFailure(cause);
      ctx.close();
    }
  }

  /**
   * Sends a CancelRequest for the origin backend {@code key} on a new connection (plain, after
   * SSLRequest when the origin requires TLS, or in TLS started at once with sslnegotiation=direct). The returned future completes when the cancel can no
   * longer reach the backend later: the origin closed the connection (Postgres does once it has
   * signalled the backend), it could not be opened or written, or the connect timeout passed since
   * (then the node closes it). Until then, the backend should not be handed to another client: the
   * signal could land in that client's query.
   */
  public Future<Void> cancel(EventLoop loop, OriginUrl target, CancelRequest request) {
    OriginTls tls = OriginTls.forOrigin(target);
    Duration connectTimeout = settings.connectTimeout();
    Promise<Void> landed = loop.newPromise();
    ChannelFuture connecting = new Bootstrap().group(loop).channel(channelClass)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (tls != null && !tls.direct()) {
              ch.pipeline().addLast(new ByteToMessageDecoder() {
                @Override
                protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
                  byte answer = in.readByte();
                  ctx.pipeline().remove(this);
                  if (answer == 'S') {
                    sendCancelInTls(ctx.channel(), tls, request);
                  } else {
                    sendCancel(ctx.channel(), request);
                  }
                }
              });
            }
            ch.pipeline().addLast(EARLY_ERRORS, EarlyErrors.CANCEL); // a cancel is fire-and-forget
          }
        })
        .connect(target.host(), target.port());
    connecting.addListener((ChannelFuture f) -> {
      if (!f.isSuccess()) {
        landed.trySuccess(null); // nothing was sent
        return;
      }
      Channel ch = f.channel();
      // Postgres closes a cancel connection at once; one that stays open is not waited for longer
      Future<?> cap = ch.eventLoop().schedule(() -> ch.close(), connectTimeout.toNanos(), TimeUnit.NANOSECONDS);
      ch.closeFuture().addListener(c -> {
        cap.cancel(false);
        landed.trySuccess(null);
      });
      if (tls == null) {
        sendCancel(ch, request);
      } else if (tls.direct()) {
        sendCancelInTls(ch, tls, request);
      } else {
        ch.writeAndFlush(SslRequest.INSTANCE.encode(ch.alloc()));
      }
    });
    return landed;
  }

  /** Starts TLS on a cancel connection and sends the CancelRequest inside it (a failed handshake closes it). */
  private static void sendCancelInTls(Channel ch, OriginTls tls, CancelRequest request) {
    SslHandler ssl = tls.newHandler(ch.alloc());
    ch.pipeline().addFirst(ssl);
    ssl.handshakeFuture().addListener(h -> {
      if (h.isSuccess()) {
        sendCancel(ch, request);
      } else {
        ch.close();
      }
    });
  }

  /** Writes the CancelRequest and waits for the origin to close the connection (a failed write closes it). */
  private static void sendCancel(Channel ch, CancelRequest request) {
    ch.writeAndFlush(request.encode(ch.alloc())).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
  }
}
