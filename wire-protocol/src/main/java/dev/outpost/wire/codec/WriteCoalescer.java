package dev.outpost.wire.codec;

import dev.outpost.wire.backend.BackendMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import java.nio.ByteBuffer;
import java.util.ArrayList;

/**
 * Copies small outbound protocol messages into one buffer, so that a burst of them (ParseComplete,
 * BindComplete, RowDescription, DataRow, CommandComplete, ReadyForQuery) costs the channel one
 * write — one outbound-buffer entry and one iovec — instead of one per message. A message larger
 * than {@link #SMALL} bytes is written as it is, after the bytes copied before it, so order is
 * kept and big rows are never copied.
 *
 * <p>Messages passed through unchanged are slices of the buffer they were read into, and the
 * messages of one read lie next to each other there: such a run is not copied at all but handed
 * over as one slice of that buffer, so an origin's answer relayed as it came costs
 * neither a copy nor more than one write.
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
  /**
   * The first message not yet handed over, kept as it is: alone, or the start of a run of
   * messages that follow it in the memory of the buffer they were read into.
   */
  private ByteBuf first;
  /** The messages after {@link #first} in its run, in order (empty when it is alone). */
  private final ArrayList<ByteBuf> run = new ArrayList<>(8);
  /** The address after the run's last byte; 0 when {@link #first} cannot start a run. */
  private long runEnd;
  /** Bytes of {@link #first} and its run. */
  private int runBytes;
  private ByteBuf held;

  public WriteCoalescer(Channel channel) {
    this.channel = channel;
  }

  /** Queues {@code msg} (ownership passes to this method); nothing is flushed. */
  public void write(ByteBuf msg) {
    int n = msg.readableBytes();
    if (first != null && follows(msg)) {
      run.add(msg); // the next bytes of the same read: neither copied nor written apart
      runEnd += n;
      runBytes += n;
      if (runBytes >= LIMIT) {
        drain();
      }
      return;
    }
    if (n > SMALL) {
      drain();
      channel.write(msg, channel.voidPromise());
      return;
    }
    if (first == null && held == null) {
      first = msg; // a burst of one message costs no copy
      runEnd = msg.unwrap() != null && msg.hasMemoryAddress() ? msg.memoryAddress() + msg.writerIndex() : 0;
      runBytes = n;
      return;
    }
    try {
      buffer().writeBytes(msg, msg.readerIndex(), n);
    } finally {
      msg.release();
    }
    drainIfFull();
  }

  /** Whether {@code msg}'s bytes come right after the run's, in the same buffer. */
  private boolean follows(ByteBuf msg) {
    return runEnd != 0 && msg.unwrap() == first.unwrap() && msg.hasMemoryAddress()
        && msg.memoryAddress() + msg.readerIndex() == runEnd;
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

  /**
   * {@link #first} and its run as one buffer — a slice of the buffer they were read into, holding
   * the run's references — or null when nothing is queued there. Ownership passes to the caller.
   */
  private ByteBuf takeRun() {
    ByteBuf f = first;
    first = null;
    if (f == null || run.isEmpty()) {
      return f;
    }
    ByteBuf parent = f.unwrap();
    long offset = f.memoryAddress() + f.readerIndex() - parent.memoryAddress();
    ByteBuf joined;
    if (offset >= 0 && offset + runBytes <= parent.capacity()) {
      joined = parent.retainedSlice((int) offset, runBytes);
    } else { // cannot happen for slices of one buffer; copied rather than trusted
      joined = channel.alloc().directBuffer(runBytes);
      joined.writeBytes(f, f.readerIndex(), f.readableBytes());
      for (ByteBuf part : run) {
        joined.writeBytes(part, part.readerIndex(), part.readableBytes());
      }
    }
    f.release();
    for (ByteBuf part : run) {
      part.release();
    }
    run.clear();
    return joined;
  }

  /** The buffer that collects copies, holding what was queued as it came if there was any. */
  private ByteBuf buffer() {
    if (held == null) {
      ByteBuf f = takeRun();
      if (f != null && f.readableBytes() > SMALL) {
        channel.write(f, channel.voidPromise()); // a long run: written as it is, not copied
        f = null;
      }
      held = channel.alloc().directBuffer(INITIAL);
      if (f != null) {
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
    ByteBuf b = first != null ? takeRun() : held;
    held = null;
    if (b != null) {
      channel.write(b, channel.voidPromise());
    }
  }

  /** Drops the queued bytes (the channel is closed; nobody will read them). */
  public void discard() {
    ByteBuf b = first != null ? takeRun() : held;
    held = null;
    if (b != null) {
      b.release();
    }
  }

  /** Bytes queued and not yet handed to the channel. */
  public int heldBytes() {
    return first != null ? runBytes : held == null ? 0 : held.readableBytes();
  }
}
