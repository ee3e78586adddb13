package dev.outpost.wire.frontend;

import dev.outpost.wire.FrontendType;
import dev.outpost.wire.PgBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Objects;

/**
 * Simple-protocol Query.
 *
 * <pre>'Q' int32 len, String sql</pre>
 */
public record Query(String sql) implements FrontendMessage {
  public Query {
    Objects.requireNonNull(sql, "sql");
  }

  public static Query decode(ByteBuf body) {
    return new Query(PgBuf.readCString(body));
  }

  @Override
  public ByteBuf encode(ByteBufAllocator alloc) {
    ByteBuf buf = alloc.buffer(5 + PgBuf.cStringLength(sql));
    int start = PgBuf.beginMessage(buf, FrontendType.QUERY.code());
    PgBuf.writeCString(buf, sql);
    PgBuf.endMessage(buf, start);
    return buf;
  }
}
