package dev.outpost.wire.frontend;

import dev.outpost.wire.FrontendType;
import dev.outpost.wire.PgBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** The client is closing the connection. ({@code 'X'}) with an empty body. */
public enum Terminate implements FrontendMessage {
  INSTANCE;

  @Override
  public ByteBuf encode(ByteBufAllocator alloc) {
    return PgBuf.emptyMessage(alloc, FrontendType.TERMINATE.code());
  }
}
