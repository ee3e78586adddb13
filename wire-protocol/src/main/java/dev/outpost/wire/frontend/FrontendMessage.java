package dev.outpost.wire.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** A typed frontend message after startup. */
public sealed interface FrontendMessage
    permits Query, Parse, Bind, Describe, Execute, Close, Sync, Flush, Terminate,
        PasswordMessage, SaslInitialResponse, SaslResponse {

  /** Encodes the whole message (type byte, length and body) into a new buffer. */
  ByteBuf encode(ByteBufAllocator alloc);
}
