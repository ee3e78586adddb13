package dev.outpost.wan;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP relay that makes a local server look distant: it listens on a local port, connects each
 * accepted client to a target and delays every chunk of bytes by a one-way latency per direction.
 *
 * <pre>{@code
 * try (WanEmulator wan = WanEmulator.builder()
 *     .listen("127.0.0.1", 0)
 *     .target("127.0.0.1", originPort)
 *     .delay(Duration.ofMillis(25), Duration.ofMillis(25))
 *     .jitter(Duration.ofMillis(2))
 *     .start()) {
 *   connect to 127.0.0.1:wan.port() and see a server 50 ms of round trip away
 * }
 * }</pre>
 *
 * <p>Guarantees, per connection and direction: no byte arrives earlier than the configured delay
 * after it was read; bytes are never reordered (jitter only postpones, and a chunk never leaves
 * before the chunk in front of it); each chunk is written and flushed on its own at its due time,
 * on the event loop's scheduler, so the relay adds no batching; a slow reader on one side stops
 * the relay from reading the other side (at most {@link Builder#inFlightLimit(long) the in-flight
 * limit} is buffered per direction); a close on either side closes the other side after the data
 * in flight has been delivered. By default a new connection also pays one round trip before its
 * first bytes arrive, the TCP handshake that a distant server would have cost
 * ({@link Builder#chargeHandshake(boolean)}).
 *
 * <p>Thread-safe: the accessors may be called from any thread while the relay runs.
 */
public final class WanEmulator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WanEmulator.class);

  private final Settings settings;
  private final EventLoopGroup group;
  private final Channel server;
  private final ChannelGroup channels;
  private final LongAdder bytesUp;
  private final LongAdder bytesDown;
  private final AtomicLong accepted;
  private final AtomicBoolean closed = new AtomicBoolean();

  private WanEmulator(Settings settings, EventLoopGroup group, Channel server, ChannelGroup channels,
      LongAdder bytesUp, LongAdder bytesDown, AtomicLong accepted) {
    this.settings = settings;
    this.group = group;
    this.server = server;
    this.channels = channels;
    this.bytesUp = bytesUp;
    this.bytesDown = bytesDown;
    this.accepted = accepted;
  }

  /** A builder; {@link Builder#target(String, int)} is the only required setting. */
  public static Builder builder() {
    return new Builder();
  }

  /** The address clients connect to. */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  /** The listening host, as a literal address. */
  public String host() {
    return address().getAddress().getHostAddress();
  }

  /** The listening port (the chosen one when the builder asked for port 0). */
  public int port() {
    return address().getPort();
  }

  /** The address every client is relayed to. */
  public InetSocketAddress target() {
    return settings.target();
  }

  /** Latency of the client-to-target direction. */
  public OneWayLatency upstream() {
    return settings.up();
  }

  /** Latency of the target-to-client direction. */
  public OneWayLatency downstream() {
    return settings.down();
  }

  /** Bytes delivered so far in both directions. */
  public long bytesRelayed() {
    return bytesUp.sum() + bytesDown.sum();
  }

  /** Bytes delivered so far from clients to the target. */
  public long bytesUpstream() {
    return bytesUp.sum();
  }

  /** Bytes delivered so far from the target to clients. */
  public long bytesDownstream() {
    return bytesDown.sum();
  }

  /** Connections accepted since start, open or closed. */
  public long connections() {
    return accepted.get();
  }

  /** Client connections open right now. */
  public int openConnections() {
    return (int) channels.stream().filter(c -> c.parent() == server).count();
  }

  /**
   * Stops listening, closes every connection at once (data in flight is dropped) and frees the
   * threads. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    server.close().syncUninterruptibly();
    channels.close().awaitUninterruptibly();
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    log.debug("wan emulator on {} stopped after {} connections", server.localAddress(), accepted.get());
  }

  @Override
  public String toString() {
    return "wan " + server.localAddress() + " -> " + settings.target() + " (up " + settings.up()
        + ", down " + settings.down() + ")";
  }

  /** Configures and starts a {@link WanEmulator}. Not thread-safe; use once. */
  public static final class Builder {
    private String listenHost = "127.0.0.1";
    private int listenPort;
    private InetSocketAddress target;
    private Duration upDelay = Duration.ZERO;
    private Duration downDelay = Duration.ZERO;
    private Duration upJitter = Duration.ZERO;
    private Duration downJitter = Duration.ZERO;
    private boolean chargeHandshake = true;
    private long inFlightLimit = 4L << 20;
    private int ioThreads = 1;
    private ByteBufAllocator allocator = ByteBufAllocator.DEFAULT;

    private Builder() {}

    /** Where to listen; default {@code 127.0.0.1} and a free port (0). */
    public Builder listen(String host, int port) {
      this.listenHost = Objects.requireNonNull(host, "host");
      this.listenPort = checkPort(port);
      return this;
    }

    /** Where to relay every accepted connection to. Required. */
    public Builder target(String host, int port) {
      this.target = new InetSocketAddress(Objects.requireNonNull(host, "host"), checkPort(port));
      return this;
    }

    /** The same one-way delay in both directions (a round trip costs twice this). */
    public Builder delay(Duration oneWay) {
      return delay(oneWay, oneWay);
    }

    /** One-way delays: {@code up} for client-to-target, {@code down} for target-to-client. */
    public Builder delay(Duration up, Duration down) {
      this.upDelay = Objects.requireNonNull(up, "up");
      this.downDelay = Objects.requireNonNull(down, "down");
      return this;
    }

    /** The same jitter bound in both directions: each chunk gets an extra uniform delay in {@code [0, jitter]}. */
    public Builder jitter(Duration jitter) {
      return jitter(jitter, jitter);
    }

    /** Jitter bounds per direction. */
    public Builder jitter(Duration up, Duration down) {
      this.upJitter = Objects.requireNonNull(up, "up");
      this.downJitter = Objects.requireNonNull(down, "down");
      return this;
    }

    /**
     * Whether a new connection's first client bytes also wait one emulated round trip, the TCP
     * handshake the relay's local accept skipped (default true, so "connect + query" costs what it
     * would against a distant server).
     */
    public Builder chargeHandshake(boolean charge) {
      this.chargeHandshake = charge;
      return this;
    }

    /**
     * Bytes that may be in flight per connection and direction before the relay stops reading
     * that direction's source (default 4 MiB; reading resumes at a quarter of it). Like a TCP
     * window, it caps throughput at limit / delay.
     */
    public Builder inFlightLimit(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("in-flight limit must be positive: " + bytes);
      }
      this.inFlightLimit = bytes;
      return this;
    }

    /** Event-loop threads (default 1, plenty for benchmark traffic and gentle on small machines). */
    public Builder ioThreads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("io threads must be positive: " + threads);
      }
      this.ioThreads = threads;
      return this;
    }

    /** Buffer allocator for every channel; tests pass an instrumented one to prove nothing leaks. */
    Builder allocator(ByteBufAllocator allocator) {
      this.allocator = Objects.requireNonNull(allocator, "allocator");
      return this;
    }

    /** Binds the listening socket and returns the running relay. */
    public WanEmulator start() {
      if (target == null) {
        throw new IllegalStateException("a target is required: call target(host, port)");
      }
      Settings settings = new Settings(target, new OneWayLatency(upDelay, upJitter),
          new OneWayLatency(downDelay, downJitter), chargeHandshake, inFlightLimit, inFlightLimit / 4,
          allocator);
      EventLoopGroup group = new MultiThreadIoEventLoopGroup(ioThreads,
          new DefaultThreadFactory("outpost-wan", true), NioIoHandler.newFactory());
      ChannelGroup channels = new DefaultChannelGroup("outpost-wan", GlobalEventExecutor.INSTANCE);
      LongAdder bytesUp = new LongAdder();
      LongAdder bytesDown = new LongAdder();
      AtomicLong accepted = new AtomicLong();
      long seed = ThreadLocalRandom.current().nextLong();
      ServerBootstrap bootstrap = new ServerBootstrap()
          .group(group)
          .channel(NioServerSocketChannel.class)
          .option(ChannelOption.ALLOCATOR, allocator)
          .childOption(ChannelOption.AUTO_READ, false)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childOption(ChannelOption.ALLOCATOR, allocator)
          .childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
              long id = accepted.incrementAndGet();
              channels.add(ch);
              ch.pipeline().addLast(
                  new RelayConnection(id, settings, channels, bytesUp, bytesDown, seed + id).clientHandler());
            }
          });
      try {
        Channel server = bootstrap.bind(listenHost, listenPort).syncUninterruptibly().channel();
        WanEmulator wan = new WanEmulator(settings, group, server, channels, bytesUp, bytesDown, accepted);
        log.info("wan emulator listening: {}", wan);
        return wan;
      } catch (Exception e) { // bind failures arrive as sneaky-thrown checked exceptions
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        throw new IllegalStateException("could not listen on " + listenHost + ":" + listenPort + ": " + e.getMessage(), e);
      }
    }

    private static int checkPort(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
      return port;
    }
  }
}
