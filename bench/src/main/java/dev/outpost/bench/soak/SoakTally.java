package dev.outpost.bench.soak;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a soak run counted, and its verdict. Thread-safe: every client thread adds to it.
 *
 * <p>Under the faults a soak injects, clients are expected to see connection errors (SQLSTATE class
 * 08 other than 08P01), terminated or refused backends (57P01, 57P02, 57P03) and cancelled statements
 * (57014). Any other error is unexpected and fails the run: 08P01 is the node losing track of the
 * protocol, 26000 or 42P05 a prepared statement lost or duplicated by the pool, XX000 an internal
 * error. So does a read that returns another row or another query's columns, a read older than a
 * value the reader knew was committed, an operation that took longer than the bound, and a client
 * that did not finish.
 */
public final class SoakTally {
  /** How many examples of one kind of problem the report quotes. */
  static final int EXAMPLES = 10;

  private final Map<String, LongAdder> operations = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private final LongAdder reconnects = new LongAdder();
  private final LongAdder abandonedCommits = new LongAdder();
  private final Map<SoakLayout.Route, LongAdder> freshnessChecks = new EnumMap<>(SoakLayout.Route.class);
  private final LongAdder terminations = new LongAdder();
  private final LongAdder restarts = new LongAdder();
  private final LongAdder nodeRestarts = new LongAdder();
  private final AtomicLong slowestOperationNanos = new AtomicLong();
  private volatile String slowestOperationKind = "";
  private final List<String> staleReads = Collections.synchronizedList(new ArrayList<>());
  private final List<String> hungOperations = Collections.synchronizedList(new ArrayList<>());
  private final List<String> unexpectedErrors = Collections.synchronizedList(new ArrayList<>());
  private final List<String> otherProblems = Collections.synchronizedList(new ArrayList<>());
  private final List<String> wrongAnswers = Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong staleCount = new AtomicLong();
  private final AtomicLong wrongCount = new AtomicLong();
  private final AtomicLong hungCount = new AtomicLong();
  private final AtomicLong unexpectedCount = new AtomicLong();

  public SoakTally() {
    for (SoakLayout.Route r : SoakLayout.Route.values()) {
      freshnessChecks.put(r, new LongAdder());
    }
  }

  /** Whether a client may see this SQLSTATE while backends are terminated and the origin restarts. */
  public static boolean expectedUnderFaults(String sqlState) {
    if (sqlState == null) {
      return false;
    }
    return (sqlState.startsWith("08") && !sqlState.equals("08P01"))
        || sqlState.equals("57P01") || sqlState.equals("57P02") || sqlState.equals("57P03")
        || sqlState.equals("57014");
  }

  /** An operation of kind {@code kind} completed in {@code nanos}. */
  void succeeded(String kind, long nanos) {
    operations.computeIfAbsent(kind, k -> new LongAdder()).increment();
    noteDuration(kind + " (completed)", nanos);
  }

  private void noteDuration(String what, long nanos) {
    if (slowestOperationNanos.accumulateAndGet(nanos, Math::max) == nanos) {
      slowestOperationKind = what; // racy between two equal maxima: either is right
    }
  }

  /** An operation failed; {@code client} and {@code kind} say where, for the report. */
  void failed(int client, String kind, SQLException e, long nanos) {
    String state = e.getSQLState();
    String message = firstLine(e.getMessage());
    errors.computeIfAbsent((state == null ? "(none)" : state) + "  " + normalized(message), k -> new LongAdder())
        .increment();
    noteDuration(kind + " (failed: " + state + ")", nanos);
    if (!expectedUnderFaults(state)) {
      unexpectedCount.incrementAndGet();
      example(unexpectedErrors, "client " + client + ", " + kind + ": " + state + " " + message);
    }
  }

  /** A read returned a result that is not its own (another row, another query's columns). */
  void wrongAnswer(int client, String what) {
    wrongCount.incrementAndGet();
    example(wrongAnswers, "client " + client + ": " + what);
  }

  /** An operation took longer than the bound: the node (or the origin) left the client waiting. */
  void hung(int client, String kind, Duration took) {
    hungCount.incrementAndGet();
    example(hungOperations, "client " + client + ", " + kind + ": " + took.toMillis() + " ms");
  }

  /** A read returned {@code seen} where a value of at least {@code committed} was known to be committed. */
  void stale(int client, String what, long seen, long committed, String originNow) {
    staleCount.incrementAndGet();
    example(staleReads, "client " + client + ", " + what + ": read " + seen + " after " + committed + " was committed ("
        + originNow + ")");
  }

  /** A read of a committed row was checked; {@code route}: how the write reached the reader's node. */
  void freshnessChecked(SoakLayout.Route route) {
    freshnessChecks.get(route).increment();
  }

  void reconnected() {
    reconnects.increment();
  }

  /** A write its client left in the middle of was seen committed at the origin (and then checked). */
  void abandonedWriteCommitted() {
    abandonedCommits.increment();
  }

  long abandonedWritesCommitted() {
    return abandonedCommits.sum();
  }

  void terminated(int backends) {
    terminations.add(backends);
  }

  void restarted() {
    restarts.increment();
  }

  void nodeRestarted() {
    nodeRestarts.increment();
  }

  /** A problem found outside the clients' operations (a client that did not finish, the node's log). */
  void problem(String what) {
    otherProblems.add(what);
  }

  private static void example(List<String> list, String line) {
    synchronized (list) {
      if (list.size() < EXAMPLES) {
        list.add(line);
      }
    }
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("").strip();
  }

  /** Numbers (pids, ports, values) replaced by N, so that one kind of error is one line. */
  static String normalized(String message) {
    return message.replaceAll("[0-9]+", "N");
  }

  // ---------------------------------------------------------------- reading it

  public long operations() {
    return operations.values().stream().mapToLong(LongAdder::sum).sum();
  }

  /** Completed operations by kind, in name order. */
  public Map<String, Long> operationsByKind() {
    Map<String, Long> m = new LinkedHashMap<>();
    operations.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> m.put(e.getKey(), e.getValue().sum()));
    return m;
  }

  public long errors() {
    return errors.values().stream().mapToLong(LongAdder::sum).sum();
  }

  /** Errors by SQLSTATE and message (numbers as N), most frequent first. */
  public Map<String, Long> errorsByKind() {
    Map<String, Long> m = new LinkedHashMap<>();
    errors.entrySet().stream()
        .sorted(Comparator.comparingLong((Map.Entry<String, LongAdder> e) -> -e.getValue().sum())
            .thenComparing(Map.Entry::getKey))
        .forEach(e -> m.put(e.getKey(), e.getValue().sum()));
    return m;
  }

  public long reconnects() {
    return reconnects.sum();
  }

  /** Freshness checks of every route. */
  public long freshnessChecks() {
    return freshnessChecks.values().stream().mapToLong(LongAdder::sum).sum();
  }

  /** Freshness checks of writes that took {@code route}. */
  long freshnessChecks(SoakLayout.Route route) {
    return freshnessChecks.get(route).sum();
  }

  public long terminations() {
    return terminations.sum();
  }

  public long restarts() {
    return restarts.sum();
  }

  public long nodeRestarts() {
    return nodeRestarts.sum();
  }

  public Duration slowestOperation() {
    return Duration.ofNanos(slowestOperationNanos.get());
  }

  /** Which kind of operation was the slowest, and how it ended. */
  public String slowestOperationKind() {
    return slowestOperationKind;
  }

  public long staleReads() {
    return staleCount.get();
  }

  public long wrongAnswers() {
    return wrongCount.get();
  }

  public long hungOperations() {
    return hungCount.get();
  }

  public long unexpectedErrors() {
    return unexpectedCount.get();
  }

  /** Every reason the run failed, each with examples; empty when it passed. */
  public List<String> problems() {
    List<String> p = new ArrayList<>();
    if (wrongCount.get() > 0) {
      p.add(wrongCount.get() + " wrong answer(s): " + String.join("; ", copy(wrongAnswers)));
    }
    if (staleCount.get() > 0) {
      p.add(staleCount.get() + " stale read(s): " + String.join("; ", copy(staleReads)));
    }
    if (unexpectedCount.get() > 0) {
      p.add(unexpectedCount.get() + " unexpected error(s): " + String.join("; ", copy(unexpectedErrors)));
    }
    if (hungCount.get() > 0) {
      p.add(hungCount.get() + " operation(s) over the time bound: " + String.join("; ", copy(hungOperations)));
    }
    p.addAll(copy(otherProblems));
    return p;
  }

  public boolean passed() {
    return problems().isEmpty();
  }

  private static List<String> copy(List<String> list) {
    synchronized (list) {
      return List.copyOf(list);
    }
  }
}
