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
 *
 * <p>Given a {@link MessageMemory}, a message longer than {@link MessageMemory#LARGE} is received
 * into a buffer of its own, reserved there in full as soon as its header arrives (so it is neither
 * copied again as it grows nor held in the input buffer); when the reservation is refused the
 * decoder raises SQLSTATE 53200 before buffering the body, and discards all further input as
 * above.
 *
 * <p>The input buffer holds only what is not decoded yet (see {@link #COMPACTING}).
 */
public final class FrameDecoder extends ByteToMessageDecoder {
  private final IntPredicate validType;
  private final String peer;
  private final MessageMemory memory;
  private volatile int maxLength;
  private boolean failed;
  /** The large message being received into its own buffer, or null. */
  private ByteBuf large;

  /**
   * @param maxLength largest accepted message length (the length field's value)
   * @param validType accepts the type bytes that may arrive in this direction
   * @param peer names the sending side in error messages ("client" or "origin")
   */
  public FrameDecoder(int maxLength, IntPredicate validType, String peer) {
    this(maxLength, validType, peer, null);
  }

  /**
   * @param memory where messages longer than {@link MessageMemory#LARGE} are counted while held,
   *     or null to buffer them like any other
   */
  public FrameDecoder(int maxLength, IntPredicate validType, String peer, MessageMemory memory) {
    this.maxLength = maxLength;
    this.validType = validType;
    this.peer = peer;
    this.memory = memory;
    setCumulator(COMPACTING);
  }

  /**
   * Adds a read to the bytes not decoded yet, without keeping the bytes already decoded. Netty's
   * {@link #MERGE_CUMULATOR} grows its buffer in place for a read that does not fit, from the
   * buffer's start: the messages already sliced from it stay in it, and it drops them only when
   * no slice of it is held at the end of a read. A relay holds its messages until it flushes
   * them, after the read, so a long stream of messages that seldom ends at a read's end (a large
   * result passed to a client that keeps up) grew one buffer by every read: past 32 MiB for a
   * 1 GiB result, and out of a small node's direct memory.
   *
   * <p>Here a read that does not fit where the buffer ends goes, when nothing else holds a slice
   * of the buffer, after its undecoded bytes moved to its start; otherwise into a new buffer with
   * just the undecoded bytes, the old one being freed when its last slice is.
   */
  static final Cumulator COMPACTING = (alloc, cumulation, in) -> {
    if (cumulation == in) {
      in.release();
      return cumulation;
    }
    if (!cumulation.isReadable() && in.isContiguous()) {
      cumulation.release();
      return in; // nothing to add to: the read is the buffer
    }
    try {
      int required = in.readableBytes();
      boolean alone = cumulation.refCnt() == 1 && !cumulation.isReadOnly();
      if (alone && required > cumulation.writableBytes()) {
        cumulation.discardReadBytes(); // no slice of it is held: the decoded bytes can go
      }
      if (!cumulation.isReadOnly() && required <= cumulation.maxWritableBytes()
          && (alone || required <= cumulation.writableBytes())) {
        cumulation.writeBytes(in, in.readerIndex(), required);
        return cumulation;
      }
      int undecoded = cumulation.readableBytes();
      ByteBuf fresh = alloc.buffer(undecoded + required);
      fresh.writeBytes(cumulation, cumulation.readerIndex(), undecoded).writeBytes(in, in.readerIndex(), required);
      cumulation.release();
      return fresh;
    } finally {
      in.release();
    }
  };

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
    if (large != null && !continueLarge(in, out)) {
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
        if (memory != null && total > MessageMemory.LARGE) {
          startLarge(ctx, in, out, type, total);
        }
        return;
      }
      out.add(new Frame(in.readRetainedSlice(total)));
    }
  }

  /** Reserves the whole of a large message and moves what has arrived of it into its own buffer. */
  private void startLarge(ChannelHandlerContext ctx, ByteBuf in, List<Object> out, byte type, int total) {
    ByteBuf own = memory.tryAllocate(ctx.alloc(), total);
    if (own == null) {
      fail(in);
      throw refused(type, total);
    }
    large = own;
    continueLarge(in, out);
  }

  /**
   * Why a large message was refused: no room now, or more than the budget holds at all. The
   * connection is lost either way (a stream cannot be read past a message it did not take).
   */
  private PgWireException refused(byte type, int total) {
    long limit = memory.limit();
    boolean client = "client".equals(peer);
    String what = "Outpost cannot receive this " + peer + " message of " + total + " bytes (type "
        + printable(type) + ")";
    String message;
    String hint;
    if (total > limit) {
      message = what + ": it is larger than the " + limit + " bytes this node lets large messages hold in all";
      hint = (client ? "send it in smaller parts (smaller values, or COPY), or ask" : "ask")
          + " the node's operator to give the node more memory"
          + " (-Xmx; large messages may hold half of its direct memory)";
    } else {
      message = what + " now: the large messages it is receiving or holding already use " + memory.inUse() + " of the "
          + limit + " bytes it allows them";
      hint = "retry later; if it recurs, the node's operator should give it more memory (-Xmx)"
          + (client ? " or lower max-message-size" : "");
    }
    return new PgWireException(Sqlstate.OUT_OF_MEMORY, client ? message + "; the connection is closed" : message, null,
        hint, true);
  }

  /** Moves input into the large message; true when it is complete (and passed on). */
  private boolean continueLarge(ByteBuf in, List<Object> out) {
    ByteBuf own = large;
    own.writeBytes(in, Math.min(in.readableBytes(), own.writableBytes()));
    if (own.isWritable()) {
      return false;
    }
    large = null;
    out.add(new Frame(own));
    return true;
  }

  /** The connection is gone in the middle of a large message: its buffer and reservation go too. */
  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    ByteBuf own = large;
    large = null;
    if (own != null) {
      own.release();
    }
  }

  /** Never called while a large message is being received: its bytes come first, whatever they are. */
  private void fail(ByteBuf in) {
    failed = true;
    in.skipBytes(in.readableBytes());
  }

  private static String printable(byte type) {
    int b = type & 0xFF;
    return b >= 0x20 && b < 0x7F ? "'" + (char) b + "'" : String.format("0x%02x", b);
  }
}
