package dev.outpost.wan;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One accepted client and its connection to the target, joined by two {@link Lane}s.
 *
 * <pre>
 *   client ──read──► lane "up"   (delay up)   ──write──► target
 *   client ◄─write── lane "down" (delay down) ◄──read─── target
 * </pre>
 *
 * <p>The target channel is registered on the client's event loop (as in Netty's proxy example),
 * so both lanes of a connection run on one thread without locks. Neither side is read until the
 * target connection exists; a failed connect closes the client at once.
 */
final class RelayConnection {
  private static final Logger log = LoggerFactory.getLogger(RelayConnection.class);

  private final long id;
  private final Settings settings;
  private final ChannelGroup channels;
  private final LongAdder bytesUp;
  private final LongAdder bytesDown;
  private final SplittableRandom random;

  private Channel client;
  private Channel target;
  private Lane up;
  private Lane down;

  RelayConnection(long id, Settings settings, ChannelGroup channels, LongAdder bytesUp,
      LongAdder bytesDown, long seed) {
    this.id = id;
    this.settings = settings;
    this.channels = channels;
    this.bytesUp = bytesUp;
    this.bytesDown = bytesDown;
    this.random = new SplittableRandom(seed);
  }

  /** The handler for the accepted client's pipeline. */
  ChannelInboundHandlerAdapter clientHandler() {
    return new SideHandler(true);
  }

  private void clientActive(Channel client) {
    this.client = client;
    long acceptedAt = client.eventLoop().ticker().nanoTime();
    Bootstrap bootstrap = new Bootstrap()
        .group(client.eventLoop())
        .channel(NioSocketChannel.class)
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.ALLOCATOR, settings.allocator())
        .handler(new SideHandler(false));
    ChannelFuture connect = bootstrap.connect(settings.target());
    target = connect.channel();
    channels.add(target);
    connect.addListener((ChannelFutureListener) f -> {
      if (!f.isSuccess()) {
        log.debug("wan conn {}: could not connect to {}: {}", id, settings.target(), f.cause().toString());
        client.close();
        return;
      }
      if (!client.isActive()) {
        target.close();
        return;
      }
      // A client byte can reach a distant server only after the handshake round trip and its own
      // trip up; the relay accepted locally, so that wait is added here.
      long notBefore = settings.chargeHandshake()
          ? acceptedAt + settings.handshakeNanos() + settings.up().delayNanos()
          : Long.MIN_VALUE;
      up = new Lane("wan conn " + id + " up", client, target, settings.up(), random.split(),
          settings.highWater(), settings.lowWater(), bytesUp, notBefore);
      down = new Lane("wan conn " + id + " down", target, client, settings.down(), random.split(),
          settings.highWater(), settings.lowWater(), bytesDown, Long.MIN_VALUE);
      log.debug("wan conn {}: {} -> {} relaying", id, client.remoteAddress(), settings.target());
      target.config().setAutoRead(true);
      client.config().setAutoRead(true);
    });
  }

  /** Reads, closes and writability changes of one side, routed to the right lane. */
  private final class SideHandler extends ChannelInboundHandlerAdapter {
    private final boolean clientSide;

    SideHandler(boolean clientSide) {
      this.clientSide = clientSide;
    }

    private Lane outgoing() {
      return clientSide ? up : down;
    }

    private Lane incoming() {
      return clientSide ? down : up;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      if (clientSide) {
        clientActive(ctx.channel());
      }
      ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      Lane lane = outgoing();
      if (lane == null || !(msg instanceof ByteBuf buf)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      lane.offer(buf);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      Lane out = outgoing();
      Lane in = incoming();
      if (out == null) {
        // Closed before the relay was set up: nothing in flight, just close the other side.
        Channel other = clientSide ? target : client;
        if (other != null) {
          other.close();
        }
      } else {
        out.endOfStream();
        in.sinkClosed();
      }
      log.debug("wan conn {}: {} closed", id, clientSide ? "client" : "target");
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      Lane in = incoming();
      if (in != null) {
        in.sinkWritabilityChanged();
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // Resets by either peer are routine for a relay; the close propagates through channelInactive.
      log.debug("wan conn {}: {} failed: {}", id, clientSide ? "client" : "target", cause.toString());
      ctx.close();
    }
  }
}
