package dev.outpost.wire.frontend;

import dev.outpost.wire.FrontendType;
import dev.outpost.wire.PgBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Ends an extended-protocol batch; the server answers ReadyForQuery. ({@code 'S'}) with an empty body. */
public enum Sync implements FrontendMessage {
  INSTANCE;

  @Override
  public ByteBuf encode(ByteBufAllocator alloc) {
    return PgBuf.emptyMessage(alloc, FrontendType.SYNC.code());
  }
}
