package dev.outpost.wire.frontend;

import dev.outpost.wire.FrontendType;
import dev.outpost.wire.PgBuf;
import dev.outpost.wire.PgWireException;
import dev.outpost.wire.Sqlstate;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Objects;

/**
 * Execute a portal; {@code maxRows} 0 means all rows.
 *
 * <pre>'E' int32 len, String portal, int32 maxRows</pre>
 */
public record Execute(String portal, int maxRows) implements FrontendMessage {
  public Execute {
    Objects.requireNonNull(portal, "portal");
  }

  public static Execute decode(ByteBuf body) {
    String portal = PgBuf.readCString(body);
    if (body.readableBytes() != 4) {
      throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION, "invalid Execute message: bad row limit");
    }
    return new Execute(portal, body.readInt());
  }

  @Override
  public ByteBuf encode(ByteBufAllocator alloc) {
    ByteBuf buf = alloc.buffer(9 + PgBuf.cStringLength(portal));
    int start = PgBuf.beginMessage(buf, FrontendType.EXECUTE.code());
    PgBuf.writeCString(buf, portal);
    buf.writeInt(maxRows);
    PgBuf.endMessage(buf, start);
    return buf;
  }
}
