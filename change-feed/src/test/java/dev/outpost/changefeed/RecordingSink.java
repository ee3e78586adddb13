package dev.outpost.changefeed;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A sink for tests: records every event with its arrival time and completes its future at once,
 * except for events that {@link #hold} matches, whose futures the test completes.
 */
final class RecordingSink implements ChangeSink {

  /** One delivered event and when it arrived ({@link System#nanoTime()}). */
  record Received(ChangeEvent event, long nanos) {}

  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final List<CompletableFuture<Void>> held = new CopyOnWriteArrayList<>();
  private volatile Predicate<ChangeEvent> hold = e -> false;

  @Override
  public CompletableFuture<Void> committed(ChangeEvent event) {
    received.add(new Received(event, System.nanoTime()));
    if (hold.test(event)) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      held.add(f);
      return f;
    }
    return CompletableFuture.completedFuture(null);
  }

  void hold(Predicate<ChangeEvent> which) {
    hold = which;
  }

  List<CompletableFuture<Void>> held() {
    return held;
  }

  List<Received> received() {
    return received;
  }

  /** The first event naming {@code table}, or null. */
  Received first(TableName table) {
    return received.stream().filter(r -> r.event().relations().contains(table)).findFirst().orElse(null);
  }

  /** Events naming {@code table}. */
  List<ChangeEvent> naming(TableName table) {
    return received.stream().map(Received::event).filter(e -> e.relations().contains(table)).toList();
  }

  /** Events other than the all-relations event of a new slot. */
  List<ChangeEvent> tableEvents() {
    return received.stream().map(Received::event).filter(e -> !e.allRelations()).toList();
  }
}
