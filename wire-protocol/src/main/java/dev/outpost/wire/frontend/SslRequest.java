package dev.outpost.wire.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** The client asks for TLS; the server answers a single byte {@code S} or {@code N}. */
public enum SslRequest implements StartupPacket {
  INSTANCE;

  @Override
  public ByteBuf encode(ByteBufAllocator alloc) {
    return alloc.buffer(8).writeInt(8).writeInt(SSL_REQUEST_CODE);
  }
}
