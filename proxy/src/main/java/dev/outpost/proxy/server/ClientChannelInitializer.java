package dev.outpost.proxy.server;

import dev.outpost.proxy.session.DirectTlsDetector;
import dev.outpost.proxy.session.StartupHandler;
import dev.outpost.wire.codec.StartupDecoder;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;

/**
 * The client pipeline, top to bottom:
 *
 * <pre>
 * direct-tls        first byte 0x16 (TLS without an SSLRequest): replaced by ssl; else removed
 * [ssl]             added in front when the client asks for TLS with an SSLRequest
 * startup-decoder   SSLRequest / GSSENCRequest / CancelRequest / StartupMessage; replaced by
 * frames            type + length framing, max length 10 kB until authenticated
 * startup           authentication; replaced by
 * session           the client session (requests, pooling, responses)
 * </pre>
 */
final class ClientChannelInitializer extends ChannelInitializer<SocketChannel> {
  private final OutpostNode node;

  ClientChannelInitializer(OutpostNode node) {
    this.node = node;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    node.clientConnections().incrementAndGet();
    node.metrics().clientConnected();
    ch.closeFuture().addListener(f -> {
      node.clientConnections().decrementAndGet();
      node.metrics().clientDisconnected();
    });
    ch.pipeline()
        .addLast(DirectTlsDetector.NAME, new DirectTlsDetector(node.clientTls()))
        .addLast(StartupHandler.STARTUP_DECODER, new StartupDecoder())
        .addLast(StartupHandler.NAME, new StartupHandler(node));
  }
}
