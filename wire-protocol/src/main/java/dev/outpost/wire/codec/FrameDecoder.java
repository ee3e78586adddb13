package dev.outpost.wire.codec;

import dev.outpost.wire.Frame;
import dev.outpost.wire.PgWireException;
import dev.outpost.wire.Sqlstate;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Splits a byte stream into {@link Frame}s (type byte, int32 length, body) without copying: each
 * frame is a retained slice of the input.
 *
 * <p>A length below 4 or above the configured maximum, or a type byte that {@code validType}
 * rejects, raises a {@link PgWireException} with SQLSTATE 08P01 (wrapped by Netty in a
 * DecoderException); after that the decoder discards all further input, because a stream that
 * lost its framing can never be trusted again.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
  private final IntPredicate validType;
  private final String peer;
  private volatile int maxLength;
  private boolean failed;

  /**
   * @param maxLength largest accepted message length (the length field's value)
   * @param validType accepts the type bytes that may arrive in this direction
   * @param peer names the sending side in error messages ("client" or "origin")
   */
  public FrameDecoder(int maxLength, IntPredicate validType, String peer) {
    this.maxLength = maxLength;
    this.validType = validType;
    this.peer = peer;
  }

  /** Changes the maximum message length, e.g. once the client has authenticated. */
  public void maxLength(int maxLength) {
    this.maxLength = maxLength;
  }

  public int maxLength() {
    return maxLength;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    while (in.readableBytes() >= Frame.HEADER_LENGTH) {
      int start = in.readerIndex();
      byte type = in.getByte(start);
      long length = in.getUnsignedInt(start + 1);
      if (!validType.test(type & 0xFF)) {
        fail(in);
        throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION,
            "invalid " + peer + " message type " + printable(type) + "; the connection is closed");
      }
      if (length < 4 || length > maxLength) {
        fail(in);
        throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION,
            "invalid " + peer + " message length " + length + " for message type " + printable(type)
                + " (allowed 4 to " + maxLength + " bytes); the connection is closed");
      }
      int total = (int) length + 1;
      if (in.readableBytes() < total) {
        return;
      }
      out.add(new Frame(in.readRetainedSlice(total)));
    }
  }

  private void fail(ByteBuf in) {
    failed = true;
    in.skipBytes(in.readableBytes());
  }

  private static String printable(byte type) {
    int b = type & 0xFF;
    return b >= 0x20 && b < 0x7F ? "'" + (char) b + "'" : String.format("0x%02x", b);
  }
}
