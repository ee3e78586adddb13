package dev.outpost.wire.frontend;

import dev.outpost.wire.FrontendType;
import dev.outpost.wire.PgBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A SASL message of the client after the first one.
 *
 * <pre>'p' int32 len, byte[len - 4] data</pre>
 */
public record SaslResponse(byte[] data) implements FrontendMessage {
  public SaslResponse {
    data = data.clone();
  }

  public static SaslResponse decode(ByteBuf body) {
    return new SaslResponse(PgBuf.toBytes(body));
  }

  @Override
  public byte[] data() {
    return data.clone();
  }

  @Override
  public ByteBuf encode(ByteBufAllocator alloc) {
    ByteBuf buf = alloc.buffer(5 + data.length);
    int start = PgBuf.beginMessage(buf, FrontendType.PASSWORD.code());
    buf.writeBytes(data);
    PgBuf.endMessage(buf, start);
    return buf;
  }

  @Override
  public String toString() {
    return "SaslResponse[" + data.length + " bytes]";
  }
}
