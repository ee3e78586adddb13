package dev.outpost.wire.frontend;

import dev.outpost.wire.FrontendType;
import dev.outpost.wire.PgBuf;
import dev.outpost.wire.PgWireException;
import dev.outpost.wire.Sqlstate;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Arrays;
import java.util.Objects;

/**
 * Extended-protocol Parse.
 *
 * <pre>'P' int32 len, String statement, String sql, int16 n, int32[n] parameterTypeOids</pre>
 */
public record Parse(String statement, String sql, int[] parameterTypes) implements FrontendMessage {
  public Parse {
    Objects.requireNonNull(statement, "statement");
    Objects.requireNonNull(sql, "sql");
    parameterTypes = parameterTypes.clone();
  }

  /** The Parse a frame carries, decoded once per frame (see {@link dev.outpost.wire.Frame#decoded}). */
  public static Parse of(dev.outpost.wire.Frame frame) {
    return frame.decoded(Parse.class, Parse::decode);
  }

  public static Parse decode(ByteBuf body) {
    String name = PgBuf.readCString(body);
    String sql = PgBuf.readCString(body);
    if (body.readableBytes() < 2) {
      throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION, "invalid Parse message: missing parameter count");
    }
    int n = body.readUnsignedShort();
    if (body.readableBytes() != n * 4) {
      throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION, "invalid Parse message: parameter types do not match their count");
    }
    int[] types = new int[n];
    for (int i = 0; i < n; i++) {
      types[i] = body.readInt();
    }
    return new Parse(name, sql, types);
  }

  /** The same Parse under another statement name. */
  public Parse withStatement(String name) {
    return new Parse(name, sql, parameterTypes);
  }

  @Override
  public int[] parameterTypes() {
    return parameterTypes.clone();
  }

  /** Number of declared parameter types. */
  public int parameterTypeCount() {
    return parameterTypes.length;
  }

  @Override
  public ByteBuf encode(ByteBufAllocator alloc) {
    ByteBuf buf = alloc.buffer(5 + PgBuf.cStringLength(statement) + PgBuf.cStringLength(sql) + 2
        + 4 * parameterTypes.length);
    int start = PgBuf.beginMessage(buf, FrontendType.PARSE.code());
    PgBuf.writeCString(buf, statement);
    PgBuf.writeCString(buf, sql);
    buf.writeShort(parameterTypes.length);
    for (int t : parameterTypes) {
      buf.writeInt(t);
    }
    PgBuf.endMessage(buf, start);
    return buf;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Parse p && statement.equals(p.statement) && sql.equals(p.sql)
        && Arrays.equals(parameterTypes, p.parameterTypes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(statement, sql, Arrays.hashCode(parameterTypes));
  }

  @Override
  public String toString() {
    return "Parse[" + statement + ", " + parameterTypes.length + " types]";
  }
}
