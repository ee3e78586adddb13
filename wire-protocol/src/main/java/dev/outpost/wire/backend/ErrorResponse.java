package dev.outpost.wire.backend;

import dev.outpost.wire.BackendType;
import dev.outpost.wire.PgBuf;
import io.netty.buffer.ByteBuf;

/** An error. <pre>'E' int32 len, fields</pre> */
public record ErrorResponse(ErrorFields fields) implements BackendMessage {
  public static ErrorResponse decode(ByteBuf body) {
    return new ErrorResponse(ErrorFields.decode(body));
  }

  @Override
  public void encodeTo(ByteBuf out) {
    int start = PgBuf.beginMessage(out, BackendType.ERROR_RESPONSE.code());
    fields.encodeBody(out);
    PgBuf.endMessage(out, start);
  }
}
