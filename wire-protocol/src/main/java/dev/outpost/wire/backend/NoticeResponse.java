package dev.outpost.wire.backend;

import dev.outpost.wire.BackendType;
import dev.outpost.wire.PgBuf;
import io.netty.buffer.ByteBuf;

/** A notice (warning or information). <pre>'N' int32 len, fields</pre> */
public record NoticeResponse(ErrorFields fields) implements BackendMessage {
  public static NoticeResponse decode(ByteBuf body) {
    return new NoticeResponse(ErrorFields.decode(body));
  }

  @Override
  public void encodeTo(ByteBuf out) {
    int start = PgBuf.beginMessage(out, BackendType.NOTICE_RESPONSE.code());
    fields.encodeBody(out);
    PgBuf.endMessage(out, start);
  }
}
