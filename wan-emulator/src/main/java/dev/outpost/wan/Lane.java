package dev.outpost.wan;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.random.RandomGenerator;

/**
 * One direction of an emulated link: bytes read from {@code source} are written to {@code sink}
 * after the direction's latency.
 *
 * <p>Guarantees: every chunk is released no earlier than its read time plus the delay (plus its
 * jitter sample) and no earlier than the chunk before it, so bytes are never reordered; each chunk
 * is written and flushed on its own at its due time (no batching); the end of the stream travels
 * the same way, so the sink is closed only after every byte before it was written. When more than
 * {@code highWater} bytes are in flight or the sink is not writable, the source stops reading
 * until the backlog falls to {@code lowWater} and the sink is writable again.
 *
 * <p>Not thread-safe: every method runs on the event loop that both channels share.
 */
final class Lane {

  /** A chunk in flight; {@code data == null} marks the end of the stream. */
  private record Chunk(long dueNanos, ByteBuf data) {}

  private final String name;
  private final Channel source;
  private final Channel sink;
  private final long delayNanos;
  private final long jitterNanos;
  private final RandomGenerator random;
  private final long highWater;
  private final long lowWater;
  private final LongAdder relayed;
  private final ArrayDeque<Chunk> inFlight = new ArrayDeque<>();

  private long lastDueNanos;
  private long inFlightBytes;
  private boolean timerArmed;
  private boolean ended;
  private boolean sinkGone;

  /**
   * @param notBeforeNanos the earliest ticker time any chunk may be released (used to charge the
   *     TCP handshake that the relay's local accept skipped); {@code Long.MIN_VALUE} for none
   */
  Lane(String name, Channel source, Channel sink, OneWayLatency latency, RandomGenerator random,
      long highWater, long lowWater, LongAdder relayed, long notBeforeNanos) {
    if (lowWater < 0 || highWater < lowWater) {
      throw new IllegalArgumentException("need 0 <= lowWater <= highWater: " + lowWater + ", " + highWater);
    }
    this.name = name;
    this.source = source;
    this.sink = sink;
    this.delayNanos = latency.delayNanos();
    this.jitterNanos = latency.jitterNanos();
    this.random = random;
    this.highWater = highWater;
    this.lowWater = lowWater;
    this.relayed = relayed;
    this.lastDueNanos = notBeforeNanos;
  }

  /** Takes ownership of {@code data}, read from the source just now. */
  void offer(ByteBuf data) {
    if (ended || sinkGone) {
      data.release();
      return;
    }
    inFlightBytes += data.readableBytes();
    enqueue(new Chunk(nextDue(), data));
    updateSourceReading();
  }

  /** The source closed: close the sink once everything read before has been delivered. */
  void endOfStream() {
    if (ended || sinkGone) {
      return;
    }
    ended = true;
    enqueue(new Chunk(nextDue(), null));
  }

  /** The sink closed: nothing can be delivered any more, so drop what is in flight. */
  void sinkClosed() {
    sinkGone = true;
    Chunk chunk;
    while ((chunk = inFlight.pollFirst()) != null) {
      if (chunk.data() != null) {
        chunk.data().release();
      }
    }
    inFlightBytes = 0;
  }

  /** The sink's writability changed: maybe resume or pause reading the source. */
  void sinkWritabilityChanged() {
    updateSourceReading();
  }

  long inFlightBytes() {
    return inFlightBytes;
  }

  private long now() {
    return sink.eventLoop().ticker().nanoTime();
  }

  private long nextDue() {
    long jitter = jitterNanos == 0 ? 0 : random.nextLong(jitterNanos + 1);
    // max() with the previous due time is what keeps jitter from reordering bytes.
    long due = Math.max(now() + delayNanos + jitter, lastDueNanos);
    lastDueNanos = due;
    return due;
  }

  private void enqueue(Chunk chunk) {
    inFlight.addLast(chunk);
    if (!timerArmed) {
      // The queue was empty; a zero delay is delivered right here, anything else arms the timer.
      release();
    }
  }

  /** Writes every chunk that is due, then arms one timer for the next one. */
  private void release() {
    timerArmed = false;
    long now = now();
    Chunk head;
    while ((head = inFlight.peekFirst()) != null && head.dueNanos() - now <= 0) {
      inFlight.removeFirst();
      deliver(head);
    }
    if (head != null) {
      timerArmed = true;
      sink.eventLoop().schedule(this::release, head.dueNanos() - now, TimeUnit.NANOSECONDS);
    }
    updateSourceReading();
  }

  private void deliver(Chunk chunk) {
    if (chunk.data() == null) {
      if (sink.isActive()) {
        // An empty write completes after every earlier write, so no byte is cut off by the close.
        sink.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      }
      return;
    }
    int bytes = chunk.data().readableBytes();
    inFlightBytes -= bytes;
    sink.writeAndFlush(chunk.data()).addListener((ChannelFutureListener) f -> {
      if (f.isSuccess()) {
        relayed.add(bytes);
      } else {
        source.close();
      }
    });
  }

  private void updateSourceReading() {
    if (!source.isActive()) {
      return;
    }
    boolean reading = source.config().isAutoRead();
    if (reading && (inFlightBytes > highWater || !sink.isWritable())) {
      source.config().setAutoRead(false);
    } else if (!reading && !sinkGone && inFlightBytes <= lowWater && sink.isWritable()) {
      source.config().setAutoRead(true);
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
