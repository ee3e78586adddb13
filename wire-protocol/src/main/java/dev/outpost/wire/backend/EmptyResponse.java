package dev.outpost.wire.backend;

import dev.outpost.wire.BackendType;
import io.netty.buffer.ByteBuf;

/** Backend messages whose body is empty. */
public enum EmptyResponse implements BackendMessage {
  PARSE_COMPLETE(BackendType.PARSE_COMPLETE),
  BIND_COMPLETE(BackendType.BIND_COMPLETE),
  CLOSE_COMPLETE(BackendType.CLOSE_COMPLETE),
  NO_DATA(BackendType.NO_DATA),
  EMPTY_QUERY_RESPONSE(BackendType.EMPTY_QUERY_RESPONSE),
  PORTAL_SUSPENDED(BackendType.PORTAL_SUSPENDED),
  COPY_DONE(BackendType.COPY_DONE);

  private final BackendType type;

  EmptyResponse(BackendType type) {
    this.type = type;
  }

  public BackendType type() {
    return type;
  }

  @Override
  public void encodeTo(ByteBuf out) {
    out.writeByte(type.code());
    out.writeInt(4);
  }
}
