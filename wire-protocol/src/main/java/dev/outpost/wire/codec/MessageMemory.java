package dev.outpost.wire.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory that large messages may hold while they are received and until they are released,
 * shared by all connections that use it (a node's clients and origin connections). Each message is
 * already bounded by a maximum length; this bounds the sum, so that many large messages at once
 * cannot exhaust the node's direct memory — that would fail whichever allocation came next,
 * another client's or an origin connection's.
 *
 * <p>A {@link FrameDecoder} given this budget receives every message longer than
 * {@link #LARGE} bytes into a buffer of exactly its length, reserved here in full when its header
 * arrives and returned when that buffer is released. A message that does not fit is refused
 * before its body is buffered.
 *
 * <p>Thread-safe.
 */
public final class MessageMemory {
  /** Messages longer than this (type byte and length included) are counted here. */
  public static final int LARGE = 256 * 1024;

  private final AtomicLong inUse = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final long limit;

  /** @param limit the most bytes large messages may hold at once */
  public MessageMemory(long limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit < 0: " + limit);
    }
    this.limit = limit;
  }

  public long limit() {
    return limit;
  }

  /** Bytes held by large messages now. */
  public long inUse() {
    return inUse.get();
  }

  /** Large messages refused because they did not fit, since the start. */
  public long refused() {
    return refused.get();
  }

  /**
   * A direct buffer of exactly {@code bytes} bytes whose memory is counted here until it is
   * released, or null (counted as a refusal) when that would exceed the limit.
   */
  public ByteBuf tryAllocate(ByteBufAllocator alloc, int bytes) {
    long now;
    do {
      now = inUse.get();
      if (now + bytes > limit) {
        refused.incrementAndGet();
        return null;
      }
    } while (!inUse.compareAndSet(now, now + bytes));
    try {
      return new Counted(alloc, bytes);
    } catch (RuntimeException | Error e) {
      inUse.addAndGet(-bytes);
      throw e;
    }
  }

  /** A fixed-size direct buffer that gives its bytes back to the budget when it is freed. */
  private final class Counted extends UnpooledDirectByteBuf {
    private final int bytes;

    Counted(ByteBufAllocator alloc, int bytes) {
      super(alloc, bytes, bytes);
      this.bytes = bytes;
    }

    @Override
    protected void deallocate() {
      try {
        super.deallocate();
      } finally {
        inUse.addAndGet(-bytes);
      }
    }
  }
}
