package dev.outpost.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks at the first byte a client sends. A TLS handshake record (0x16) is a client that starts
 * TLS at once, without an SSLRequest (libpq 17's {@code sslnegotiation=direct}, pgjdbc's
 * {@code sslNegotiation=direct}): Postgres 17 accepts these and so does the node when it has a
 * certificate — the detector puts TLS in its place and the startup goes on inside it. Anything else
 * is the usual startup packet: the detector removes itself and hands the bytes on untouched.
 *
 * <p>A node without TLS closes such a connection without answering, as Postgres does: a plaintext
 * error is unreadable to a client in the middle of a TLS handshake.
 */
public final class DirectTlsDetector extends ByteToMessageDecoder {
  public static final String NAME = "direct-tls";
  private static final Logger log = LoggerFactory.getLogger(DirectTlsDetector.class);
  private static final byte TLS_HANDSHAKE_RECORD = 0x16;

  private final SslContext tls;

  /** {@code tls} is null when the node does not offer TLS. */
  public DirectTlsDetector(SslContext tls) {
    this.tls = tls;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (!in.isReadable()) {
      return;
    }
    if (in.getByte(in.readerIndex()) != TLS_HANDSHAKE_RECORD) {
      ctx.pipeline().remove(this); // the buffered bytes go on to the startup decoder
      return;
    }
    if (tls == null) {
      log.info("client {}: refused a direct TLS connection (sslnegotiation=direct): this node has no TLS "
          + "configured (tls-mode, tls-cert, tls-key)", ctx.channel().remoteAddress());
      in.skipBytes(in.readableBytes());
      ctx.close();
      return;
    }
    // replacing hands the buffered ClientHello to the TLS handler that takes this one's place
    ctx.pipeline().replace(this, StartupHandler.SSL, new SslHandler(tls.newEngine(ctx.alloc())));
  }
}
