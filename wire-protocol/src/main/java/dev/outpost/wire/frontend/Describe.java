package dev.outpost.wire.frontend;

import dev.outpost.wire.FrontendType;
import dev.outpost.wire.PgBuf;
import dev.outpost.wire.PgWireException;
import dev.outpost.wire.Sqlstate;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Objects;

/**
 * Describe a prepared statement ({@code 'S'}) or a portal ({@code 'P'}).
 *
 * <pre>'D' int32 len, Byte1 kind, String name</pre>
 */
public record Describe(byte kind, String name) implements FrontendMessage {
  public static final byte STATEMENT = 'S';
  public static final byte PORTAL = 'P';

  public Describe {
    if (kind != STATEMENT && kind != PORTAL) {
      throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION, "invalid DESCRIBE message subtype " + kind);
    }
    Objects.requireNonNull(name, "name");
  }

  public static Describe decode(ByteBuf body) {
    if (!body.isReadable()) {
      throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION, "invalid Describe message: empty");
    }
    byte kind = body.readByte();
    return new Describe(kind, PgBuf.readCString(body));
  }

  public boolean isStatement() {
    return kind == STATEMENT;
  }

  public Describe withName(String other) {
    return new Describe(kind, other);
  }

  @Override
  public ByteBuf encode(ByteBufAllocator alloc) {
    ByteBuf buf = alloc.buffer(6 + PgBuf.cStringLength(name));
    int start = PgBuf.beginMessage(buf, FrontendType.DESCRIBE.code());
    buf.writeByte(kind);
    PgBuf.writeCString(buf, name);
    PgBuf.endMessage(buf, start);
    return buf;
  }
}
