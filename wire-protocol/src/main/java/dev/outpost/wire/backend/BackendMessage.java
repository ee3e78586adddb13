package dev.outpost.wire.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** A typed backend message that Outpost decodes or produces. */
public sealed interface BackendMessage
    permits Authentication, BackendKeyData, ParameterStatus, ReadyForQuery, CommandComplete,
        ErrorResponse, NoticeResponse, NegotiateProtocolVersion, RowDescription, DataRow,
        EmptyResponse, ParameterDescription {

  /** Appends the whole message (type byte, length and body) to {@code out}. */
  void encodeTo(ByteBuf out);

  /** Encodes the message into a new buffer. */
  default ByteBuf encode(ByteBufAllocator alloc) {
    ByteBuf buf = alloc.buffer(64);
    encodeTo(buf);
    return buf;
  }
}
