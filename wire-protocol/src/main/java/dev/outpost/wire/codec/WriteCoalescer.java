package dev.outpost.wire.codec;

import dev.outpost.wire.backend.BackendMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import java.nio.ByteBuffer;

/**
 * Copies small outbound protocol messages into one buffer, so that a burst of them (ParseComplete,
 * BindComplete, RowDescription, DataRow, CommandComplete, ReadyForQuery) costs the channel one
 * write — one outbound-buffer entry and one iovec — instead of one per message. A message larger
 * than {@link #SMALL} bytes is written as it is, after the bytes copied before it, so order is
 * kept and big rows are never copied.
 *
 * <p>Copied bytes are not yet counted by the channel's writability; they are handed to the channel
 * whenever {@link #LIMIT} bytes have been copied, so at most that much (plus one message) escapes
 * backpressure.
 *
 * <p>Not thread-safe: used on the channel's event loop only. {@link #drain()} before flushing;
 * {@link #discard()} when the channel is gone.
 */
public final class WriteCoalescer {
  /** Messages up to this size are copied. */
  public static final int SMALL = 2048;
  /** Copied bytes are handed to the channel once this many are held. */
  public static final int LIMIT = 16 * 1024;
  private static final int INITIAL = 512;

  private final Channel channel;
  /** A lone small message, kept as it is until a second one makes copying worthwhile. */
  private ByteBuf first;
  private ByteBuf held;

  public WriteCoalescer(Channel channel) {
    this.channel = channel;
  }

  /** Queues {@code msg} (ownership passes to this method); nothing is flushed. */
  public void write(ByteBuf msg) {
    int n = msg.readableBytes();
    if (n > SMALL) {
      drain();
      channel.write(msg, channel.voidPromise());
      return;
    }
    if (first == null && held == null) {
      first = msg; // a burst of one message costs no copy
      return;
    }
    try {
      buffer().writeBytes(msg, msg.readerIndex(), n);
    } finally {
      msg.release();
    }
    drainIfFull();
  }

  /** Queues {@code msg}, encoded straight into the held bytes (no buffer of its own). */
  public void write(BackendMessage msg) {
    msg.encodeTo(buffer());
    drainIfFull();
  }

  /**
   * Queues the remaining bytes of {@code bytes}, which must not change until they are flushed
   * (a large one is written without a copy). The buffer's position is not moved.
   */
  public void write(ByteBuffer bytes) {
    if (bytes.remaining() > SMALL) {
      drain();
      channel.write(Unpooled.wrappedBuffer(bytes.duplicate()), channel.voidPromise());
      return;
    }
    buffer().writeBytes(bytes.duplicate());
    drainIfFull();
  }

  /** The buffer that collects copies, holding the lone first message if there was one. */
  private ByteBuf buffer() {
    if (held == null) {
      held = channel.alloc().directBuffer(INITIAL);
      ByteBuf f = first;
      if (f != null) {
        first = null;
        try {
          held.writeBytes(f, f.readerIndex(), f.readableBytes());
        } finally {
          f.release();
        }
      }
    }
    return held;
  }

  private void drainIfFull() {
    if (held.readableBytes() >= LIMIT) {
      drain();
    }
  }

  /** Hands the queued bytes to the channel (written, not flushed). */
  public void drain() {
    ByteBuf b = first != null ? first : held;
    first = null;
    held = null;
    if (b != null) {
      channel.write(b, channel.voidPromise());
    }
  }

  /** Drops the queued bytes (the channel is closed; nobody will read them). */
  public void discard() {
    ByteBuf b = first != null ? first : held;
    first = null;
    held = null;
    if (b != null) {
      b.release();
    }
  }

  /** Bytes queued and not yet handed to the channel. */
  public int heldBytes() {
    return first != null ? first.readableBytes() : held == null ? 0 : held.readableBytes();
  }
}
