package dev.outpost.cluster;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers membership and coordinator changes to {@link ClusterListener}s on one thread of its own,
 * in the order the views were installed, so that listeners never run on (or block) a JGroups
 * thread and always see a consistent sequence: the state at registration, then every change.
 */
final class MembershipEvents implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(MembershipEvents.class);

  private final ExecutorService thread;
  private final List<ClusterListener> listeners = new CopyOnWriteArrayList<>();
  private RegionMembership current; // touched only on the event thread

  MembershipEvents(String nodeName) {
    this.thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "outpost-cluster-events-" + nodeName);
      t.setDaemon(true);
      return t;
    });
  }

  /** Queues the notifications for a new view. */
  void viewChanged(RegionMembership next) {
    submit(() -> {
      RegionMembership previous = current;
      current = next;
      boolean was = previous != null && previous.isCoordinator();
      for (ClusterListener l : listeners) {
        notify(l, next, was);
      }
    });
  }

  /** Adds a listener; it first hears the current state. Returns what removes it. */
  AutoCloseable add(ClusterListener listener) {
    submit(() -> {
      listeners.add(listener);
      if (current != null) {
        notify(listener, current, false);
      }
    });
    return () -> submit(() -> listeners.remove(listener));
  }

  private void notify(ClusterListener l, RegionMembership m, boolean wasCoordinator) {
    try {
      l.membershipChanged(m);
      if (m.isCoordinator() && !wasCoordinator) {
        l.becameCoordinator();
      } else if (!m.isCoordinator() && wasCoordinator) {
        l.ceasedToBeCoordinator();
      }
    } catch (RuntimeException e) {
      LOG.error("cluster listener {} failed on view {}; continuing", l, m.viewId(), e);
    }
  }

  private void submit(Runnable task) {
    try {
      thread.execute(task);
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      LOG.debug("membership event after close ignored");
    }
  }

  @Override
  public void close() {
    thread.shutdown();
    try {
      thread.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
