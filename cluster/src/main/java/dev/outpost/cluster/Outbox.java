package dev.outpost.cluster;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bus's one sender thread and its queue. Everything the bus sends goes through here, so that
 * publishing threads and JGroups delivery threads never block on the network (flow control, a slow
 * peer), and so that the coordinator stamps and multicasts from a single thread, in one order.
 *
 * <p>Fill frames are bounded by queued bytes (a full outbox refuses them: dropping a fill only
 * costs a cache miss elsewhere); invalidations, flushes and markers are small and always taken.
 * Between items, and at least every tick, the thread runs the bus's housekeeping.
 */
final class Outbox {

  private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

  /** What to do with a frame. */
  enum Kind {
    /** An event of this node for the coordinator. */
    SUBMIT,
    /** Another node's submission this node stamps as coordinator. */
    STAMP,
    /** A frame for the other regions. */
    RELAY
  }

  /** A queued frame; {@code fillBytes} is its size if it counts against the fill bound, else 0. */
  record Item(Kind kind, byte[] frame, long fillBytes) {}

  /** Handles what the thread takes out of the queue. */
  interface Handler {
    void send(Item item) throws Exception;

    void housekeeping();

    void failed(Item item, Exception e);
  }

  private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
  private final AtomicLong queuedFillBytes = new AtomicLong();
  private final long maxFillBytes;
  private final long tickNanos;
  private final Thread thread;
  private volatile boolean running = true;

  Outbox(String threadName, long maxFillBytes, long tickNanos, Handler handler) {
    this.maxFillBytes = maxFillBytes;
    this.tickNanos = tickNanos;
    this.thread = new Thread(() -> run(handler), threadName);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Queues a frame that is never refused. */
  void offer(Kind kind, byte[] frame) {
    queue.add(new Item(kind, frame, 0));
  }

  /** Queues a fill frame unless the fill bound is reached; false if refused. */
  boolean offerFill(Kind kind, byte[] frame) {
    long after = queuedFillBytes.addAndGet(frame.length);
    if (after > maxFillBytes) {
      queuedFillBytes.addAndGet(-frame.length);
      return false;
    }
    queue.add(new Item(kind, frame, frame.length));
    return true;
  }

  /** Items waiting; for tests and diagnostics. */
  int pending() {
    return queue.size();
  }

  /**
   * Waits up to {@code timeoutNanos} for the queue to empty, so that a node leaving the region sends
   * its last invalidations first. Returns whether it emptied.
   */
  boolean drain(long timeoutNanos) {
    long deadline = System.nanoTime() + timeoutNanos;
    while (!queue.isEmpty() && running && System.nanoTime() - deadline < 0) {
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    return queue.isEmpty();
  }

  /** Stops the thread (what is still queued is not sent) and waits briefly for it. */
  void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run(Handler handler) {
    long nextTick = System.nanoTime() + tickNanos;
    while (running) {
      Item item;
      try {
        item = queue.poll(Math.max(1, nextTick - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        break; // close()
      }
      if (item != null) {
        queuedFillBytes.addAndGet(-item.fillBytes());
        try {
          handler.send(item);
        } catch (Exception e) {
          handler.failed(item, e);
        }
      }
      if (System.nanoTime() - nextTick >= 0) {
        try {
          handler.housekeeping();
        } catch (RuntimeException e) {
          LOG.error("cluster housekeeping failed; continuing", e);
        }
        nextTick = System.nanoTime() + tickNanos;
      }
    }
  }
}
