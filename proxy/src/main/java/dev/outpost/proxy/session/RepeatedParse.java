package dev.outpost.proxy.session;

import dev.outpost.wire.Frame;
import dev.outpost.wire.frontend.Parse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

/**
 * Decodes a session's Parse messages, reusing the last one's decoding when a Parse carries the
 * same bytes again — what a client running one statement over and over with the unnamed statement
 * sends (pgjdbc below its prepare threshold, pgbench -M extended): comparing the bytes costs less
 * than decoding the text again. A decoded Parse is immutable, so one instance may stand for both.
 * Owned by one session, used on its event loop only.
 */
final class RepeatedParse {
  /** Parses longer than this are decoded each time: their bytes are not kept. */
  static final int MAX_KEPT = 8 * 1024;

  private ByteBuf lastBody;
  private Parse last;

  /** The decoded Parse of {@code f} (remembered by the frame too, as {@link Parse#of} does). */
  Parse of(Frame f) {
    return f.decoded(Parse.class, this::decode);
  }

  private Parse decode(ByteBuf body) {
    int n = body.readableBytes();
    ByteBuf known = lastBody;
    if (known != null && known.readableBytes() == n && ByteBufUtil.equals(known, 0, body, body.readerIndex(), n)) {
      return last;
    }
    ByteBuf bytes = n <= MAX_KEPT ? Unpooled.wrappedBuffer(ByteBufUtil.getBytes(body, body.readerIndex(), n)) : null;
    Parse p = Parse.decode(body);
    lastBody = bytes;
    last = bytes == null ? null : p;
    return p;
  }
}
