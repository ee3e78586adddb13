package dev.outpost.wire.frontend;

import dev.outpost.wire.FrontendType;
import dev.outpost.wire.PgBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Asks the server to send what it has produced so far. ({@code 'H'}) with an empty body. */
public enum Flush implements FrontendMessage {
  INSTANCE;

  @Override
  public ByteBuf encode(ByteBufAllocator alloc) {
    return PgBuf.emptyMessage(alloc, FrontendType.FLUSH.code());
  }
}
