package dev.outpost.wire.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** The client asks for GSSAPI encryption; Outpost always answers {@code N}. */
public enum GssEncRequest implements StartupPacket {
  INSTANCE;

  @Override
  public ByteBuf encode(ByteBufAllocator alloc) {
    return alloc.buffer(8).writeInt(8).writeInt(GSSENC_REQUEST_CODE);
  }
}
