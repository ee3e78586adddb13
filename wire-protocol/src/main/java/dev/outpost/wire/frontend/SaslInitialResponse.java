package dev.outpost.wire.frontend;

import dev.outpost.wire.FrontendType;
import dev.outpost.wire.PgBuf;
import dev.outpost.wire.PgWireException;
import dev.outpost.wire.Sqlstate;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The first SASL message of the client: the chosen mechanism and its initial response.
 *
 * <pre>'p' int32 len, String mechanism, int32 n (-1 = none), byte[n] data</pre>
 */
public record SaslInitialResponse(String mechanism, byte[] data) implements FrontendMessage {
  public SaslInitialResponse {
    data = data == null ? null : data.clone();
  }

  public static SaslInitialResponse decode(ByteBuf body) {
    String mechanism = PgBuf.readCString(body);
    if (body.readableBytes() < 4) {
      throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION, "invalid SASLInitialResponse: missing length");
    }
    int n = body.readInt();
    if (n < -1 || (n >= 0 && body.readableBytes() != n)) {
      throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION, "invalid SASLInitialResponse: bad length " + n);
    }
    byte[] data = null;
    if (n >= 0) {
      data = new byte[n];
      body.readBytes(data);
    }
    return new SaslInitialResponse(mechanism, data);
  }

  @Override
  public byte[] data() {
    return data == null ? null : data.clone();
  }

  @Override
  public ByteBuf encode(ByteBufAllocator alloc) {
    int n = data == null ? 0 : data.length;
    ByteBuf buf = alloc.buffer(9 + PgBuf.cStringLength(mechanism) + n);
    int start = PgBuf.beginMessage(buf, FrontendType.PASSWORD.code());
    PgBuf.writeCString(buf, mechanism);
    if (data == null) {
      buf.writeInt(-1);
    } else {
      buf.writeInt(data.length);
      buf.writeBytes(data);
    }
    PgBuf.endMessage(buf, start);
    return buf;
  }

  @Override
  public String toString() {
    return "SaslInitialResponse[" + mechanism + "]";
  }
}
