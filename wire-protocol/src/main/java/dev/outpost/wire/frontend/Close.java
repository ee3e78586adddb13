package dev.outpost.wire.frontend;

import dev.outpost.wire.FrontendType;
import dev.outpost.wire.PgBuf;
import dev.outpost.wire.PgWireException;
import dev.outpost.wire.Sqlstate;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Objects;

/**
 * Close a prepared statement ({@code 'S'}) or a portal ({@code 'P'}).
 *
 * <pre>'C' int32 len, Byte1 kind, String name</pre>
 */
public record Close(byte kind, String name) implements FrontendMessage {
  public static final byte STATEMENT = 'S';
  public static final byte PORTAL = 'P';

  public Close {
    if (kind != STATEMENT && kind != PORTAL) {
      throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION, "invalid CLOSE message subtype " + kind);
    }
    Objects.requireNonNull(name, "name");
  }

  public static Close decode(ByteBuf body) {
    if (!body.isReadable()) {
      throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION, "invalid Close message: empty");
    }
    byte kind = body.readByte();
    return new Close(kind, PgBuf.readCString(body));
  }

  public boolean isStatement() {
    return kind == STATEMENT;
  }

  @Override
  public ByteBuf encode(ByteBufAllocator alloc) {
    ByteBuf buf = alloc.buffer(6 + PgBuf.cStringLength(name));
    int start = PgBuf.beginMessage(buf, FrontendType.CLOSE.code());
    buf.writeByte(kind);
    PgBuf.writeCString(buf, name);
    PgBuf.endMessage(buf, start);
    return buf;
  }
}
