package dev.outpost.wire.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The first packets of a connection, which carry no type byte: SSLRequest, GSSENCRequest,
 * CancelRequest and StartupMessage.
 *
 * <pre>int32 len, int32 code, ...</pre>
 */
public sealed interface StartupPacket permits SslRequest, GssEncRequest, CancelRequest, StartupMessage {
  int SSL_REQUEST_CODE = 80877103;
  int GSSENC_REQUEST_CODE = 80877104;
  int CANCEL_REQUEST_CODE = 80877102;
  /** Largest startup packet accepted (the same limit as Postgres). */
  int MAX_LENGTH = 10_000;

  /** Encodes the whole packet into a new buffer. */
  ByteBuf encode(ByteBufAllocator alloc);
}
