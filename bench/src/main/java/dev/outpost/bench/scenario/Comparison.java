package dev.outpost.bench.scenario;

import dev.outpost.bench.lab.Availability;
import dev.outpost.bench.lab.Endpoint;
import dev.outpost.bench.load.LoadResult;
import dev.outpost.bench.load.LoadRunner;
import dev.outpost.bench.load.LoadSpec;
import dev.outpost.bench.load.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures several endpoints under the same load and turns each into a {@link Row}.
 *
 * <p>The measured time is split into rounds and the endpoints take turns, in a rotating order, so
 * that drift on the machine (another process, a GC, a checkpoint) falls on all of them alike. The
 * first round of an endpoint warms it up fully; later rounds only briefly (connections stay open
 * in between when the driver keeps them, as a pool does).
 */
final class Comparison {
  private static final Logger log = LoggerFactory.getLogger(Comparison.class);

  /** What one endpoint is driven with; opened once per endpoint, closed after its last round. */
  interface Driver extends AutoCloseable {
    Worker.Factory workers();

    @Override
    default void close() throws Exception {}
  }

  @FunctionalInterface
  interface DriverFactory {
    Driver open(Endpoint endpoint) throws Exception;
  }

  /**
   * A check around an endpoint's run, e.g. that "hits" really did not reach the origin. Endpoints
   * take turns, so the check is told when each of this endpoint's rounds begins and ends and must
   * only count what happened in between; {@link #verdict} judges the sum.
   */
  interface Check {
    void roundStarts() throws Exception;

    void roundEnded() throws Exception;

    Verdict verdict(LoadResult result) throws Exception;
  }

  /** A check's finding: a note for the row, or the reason the row cannot stand as measured. */
  record Verdict(String note, String notAvailable) {
    static Verdict fine(String note) {
      return new Verdict(note, null);
    }

    static Verdict notAvailable(String reason) {
      return new Verdict("", reason);
    }
  }

  /** One endpoint to measure, under a label, with its own driver and an optional check. */
  record Entry(String label, boolean baseline, Availability<Endpoint> endpoint, DriverFactory driver, Check check,
      String note) {
    Entry {
      Objects.requireNonNull(label, "label");
      Objects.requireNonNull(endpoint, "endpoint");
      Objects.requireNonNull(driver, "driver");
      note = note == null ? "" : note;
    }
  }

  private Comparison() {}

  static List<Row> run(String scenario, List<Entry> entries, LoadSpec spec, int rounds) throws InterruptedException {
    if (rounds < 1) {
      throw new IllegalArgumentException("rounds must be positive: " + rounds);
    }
    Map<Entry, Row> rows = new LinkedHashMap<>();
    Map<Entry, Driver> drivers = new LinkedHashMap<>();
    Map<Entry, LoadResult> results = new LinkedHashMap<>();
    try {
      for (Entry e : entries) {
        rows.put(e, null);
        if (!e.endpoint().isPresent()) {
          rows.put(e, new Row.NotAvailable(e.label(), e.endpoint().reason()));
          continue;
        }
        try {
          drivers.put(e, e.driver().open(e.endpoint().value()));
        } catch (Exception ex) {
          rows.put(e, new Row.Failed(e.label(), "could not connect: " + message(ex)));
        }
      }
      List<Entry> live = new ArrayList<>(drivers.keySet());
      for (int round = 0; round < rounds && !live.isEmpty(); round++) {
        LoadSpec roundSpec = roundSpec(spec, round, rounds);
        for (int i = 0; i < live.size(); i++) {
          Entry e = live.get((i + round) % live.size());
          if (rows.get(e) != null) {
            continue; // failed in an earlier round
          }
          if (e.check() != null && !checkRound(e, true)) {
            rows.put(e, new Row.Failed(e.label(), "the check around the run failed; see the log"));
            continue;
          }
          LoadResult r = LoadRunner.run(roundSpec, drivers.get(e).workers());
          if (e.check() != null && !checkRound(e, false)) {
            rows.put(e, new Row.Failed(e.label(), "the check around the run failed; see the log"));
            continue;
          }
          log.info("{}: {} round {}/{}: {} ops, p50 {} ms, {} errors", scenario, e.label(), round + 1, rounds,
              r.ops(), r.ops() == 0 ? "-" : String.format("%.3f", r.millisAt(50)), r.errors());
          results.merge(e, r, LoadResult::plus);
          if (r.ops() == 0) {
            rows.put(e, new Row.Failed(e.label(), r.firstError() == null ? "no operation completed"
                : "no operation completed: " + r.firstError()));
          }
        }
      }
      for (Map.Entry<Entry, LoadResult> done : results.entrySet()) {
        Entry e = done.getKey();
        if (rows.get(e) == null) {
          rows.put(e, measuredRow(e, done.getValue()));
        }
      }
    } finally {
      for (Driver d : drivers.values()) {
        try {
          d.close();
        } catch (Exception ex) {
          log.debug("closing a driver failed: {}", ex.toString());
        }
      }
    }
    return new ArrayList<>(rows.values());
  }

  private static boolean checkRound(Entry e, boolean starts) throws InterruptedException {
    try {
      if (starts) {
        e.check().roundStarts();
      } else {
        e.check().roundEnded();
      }
      return true;
    } catch (InterruptedException ex) {
      throw ex;
    } catch (Exception ex) {
      log.warn("{}: check {} failed: {}", e.label(), starts ? "before a round" : "after a round", message(ex));
      return false;
    }
  }

  private static Row measuredRow(Entry e, LoadResult result) throws InterruptedException {
    List<String> notes = new ArrayList<>();
    if (!e.note().isEmpty()) {
      notes.add(e.note());
    }
    if (!e.endpoint().value().note().isEmpty()) {
      notes.add(e.endpoint().value().note());
    }
    if (e.check() != null) {
      try {
        Verdict v = e.check().verdict(result);
        if (v.notAvailable() != null) {
          return new Row.NotAvailable(e.label(), v.notAvailable());
        }
        if (!v.note().isEmpty()) {
          notes.add(v.note());
        }
      } catch (InterruptedException ex) {
        throw ex;
      } catch (Exception ex) {
        notes.add("check failed: " + message(ex));
      }
    }
    if (result.errors() > 0) {
      notes.add(result.errors() + " operations failed, first: " + result.firstError());
    }
    if (result.lateStarts() > 0) {
      notes.add(result.lateStarts() + " operations could not start before the hard stop (overloaded)");
    }
    if (result.aborted()) {
      notes.add("stopped early: nearly every operation failed");
    }
    return new Row.Measured(e.label(), e.baseline(), result, String.join("; ", notes));
  }

  /** Round {@code round}'s share of the measurement; a full warm-up only in the first round. */
  static LoadSpec roundSpec(LoadSpec spec, int round, int rounds) {
    Duration time = spec.duration().dividedBy(rounds);
    long ops = Math.max(1, (spec.maxOps() + rounds - 1) / rounds);
    LoadSpec s = spec.withMeasurement(time.isZero() ? Duration.ofMillis(1) : time, ops);
    if (round == 0) {
      return s;
    }
    long warmupOps = spec.warmupOps() == 0 ? 0 : Math.max(1, spec.warmupOps() / 4);
    return s.withWarmup(spec.warmup().dividedBy(4), warmupOps);
  }

  static String message(Exception e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
    return dev.outpost.bench.util.Secrets.mask(m);
  }
}
