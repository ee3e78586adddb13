import dev.outpost.wire.Frame;
import dev.outpost.wire.codec.FrameDecoder;
import dev.outpost.wire.codec.WriteCoalescer;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;

/**
 * How much of a JVM proxy's CPU per transaction is the platform's: a Postgres relay on Netty with
 * one origin connection per client, on the client's event loop, in three modes.
 *
 * <ul>
 *   <li>{@code plain}: bytes in, bytes out (no protocol work at all);
 *   <li>{@code framed}: the origin's bytes are split into {@link Frame}s by Outpost's
 *       {@link FrameDecoder}, and each frame is written on its own;
 *   <li>{@code coalesced}: as {@code framed}, but the frames of one read are copied into one
 *       buffer by Outpost's {@link WriteCoalescer} (what a node does).
 * </ul>
 *
 * <p>Run with the node's jar on the class path (Java 17 runs a source file directly):
 * <pre>java -cp proxy/target/outpost.jar bench/experiments/RelayFloor.java LISTEN_PORT ORIGIN_PORT MODE [THREADS]</pre>
 * then point pgbench at 127.0.0.1:LISTEN_PORT and read the process's CPU per transaction from
 * /proc/PID/stat at a fixed rate (pgbench -R). An experiment, not part of the product.
 */
public final class RelayFloor {
  public static void main(String[] args) throws InterruptedException {
    int listen = Integer.parseInt(args[0]);
    int origin = Integer.parseInt(args[1]);
    String mode = args[2];
    int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    if (!mode.equals("plain") && !mode.equals("framed") && !mode.equals("coalesced")) {
      throw new IllegalArgumentException("mode is plain, framed or coalesced, not " + mode);
    }
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory());
    new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.AUTO_READ, false)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel client) {
            new Bootstrap().group(client.eventLoop()).channel(EpollSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel o) {
                    if (!mode.equals("plain")) {
                      o.pipeline().addLast(new FrameDecoder(Integer.MAX_VALUE, t -> true, "origin"));
                    }
                    o.pipeline().addLast(new Pipe(client, mode.equals("coalesced")));
                  }
                })
                .connect("127.0.0.1", origin)
                .addListener((ChannelFutureListener) f -> {
                  if (!f.isSuccess()) {
                    client.close();
                    return;
                  }
                  client.pipeline().addLast(new Pipe(f.channel(), false));
                  client.config().setAutoRead(true);
                });
          }
        })
        .bind("127.0.0.1", listen).sync();
    System.out.println("relay (" + mode + ", " + threads + " event loops) on 127.0.0.1:" + listen + " -> " + origin);
    Thread.currentThread().join();
  }

  /** Writes what one side reads to the other; flushes once per read burst. */
  private static final class Pipe extends ChannelInboundHandlerAdapter {
    private final Channel peer;
    private final WriteCoalescer coalescer;

    Pipe(Channel peer, boolean coalesce) {
      this.peer = peer;
      this.coalescer = coalesce ? new WriteCoalescer(peer) : null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf bytes = msg instanceof Frame f ? f.content() : (ByteBuf) msg;
      if (coalescer != null) {
        coalescer.write(bytes);
      } else {
        peer.write(bytes, peer.voidPromise());
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (coalescer != null) {
        coalescer.drain();
      }
      peer.flush();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (coalescer != null) {
        coalescer.discard();
      }
      peer.close();
    }
  }
}
