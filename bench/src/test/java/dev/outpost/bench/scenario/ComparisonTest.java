package dev.outpost.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.bench.lab.Availability;
import dev.outpost.bench.lab.Endpoint;
import dev.outpost.bench.lab.PgAddress;
import dev.outpost.bench.load.LoadResult;
import dev.outpost.bench.load.LoadSpec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The comparison logic with in-memory drivers: no endpoint is ever connected to. */
class ComparisonTest {
  private static final Availability<Endpoint> SOMEWHERE =
      Availability.present(Endpoint.of("x", new PgAddress("127.0.0.1", 1, "db", "u", null)));
  private static final LoadSpec SPEC = new LoadSpec(1, Duration.ofSeconds(30), 2, Duration.ofSeconds(30), 10, 0);

  private final List<String> calls = new CopyOnWriteArrayList<>();

  private Comparison.DriverFactory recording(String name) {
    return e -> () -> index -> {
      calls.add(name);
      return seq -> null;
    };
  }

  @Test
  void rounds_rotateTheOrderOfEndpoints() throws Exception {
    List<Comparison.Entry> entries = List.of(
        new Comparison.Entry("a", true, SOMEWHERE, recording("a"), null, ""),
        new Comparison.Entry("b", false, SOMEWHERE, recording("b"), null, ""),
        new Comparison.Entry("c", false, SOMEWHERE, recording("c"), null, ""));

    List<Row> rows = Comparison.run("test", entries, SPEC, 3);

    assertThat(calls).containsExactly("a", "b", "c", "b", "c", "a", "c", "a", "b");
    assertThat(rows).extracting(Row::endpoint).containsExactly("a", "b", "c");
    assertThat(rows).allSatisfy(r -> assertThat(r).isInstanceOf(Row.Measured.class));
    Row.Measured a = (Row.Measured) rows.get(0);
    assertThat(a.baseline()).isTrue();
    assertThat(a.result().ops()).isEqualTo(12); // ceil(10 / 3) per round
  }

  @Test
  void missingEndpoint_becomesNotAvailableWithItsReason_andIsNeverDriven() throws Exception {
    List<Comparison.Entry> entries = List.of(
        new Comparison.Entry("direct", true, SOMEWHERE, recording("direct"), null, ""),
        new Comparison.Entry("outpost (hit)", false, Availability.missing("the cache has not landed"),
            recording("outpost"), null, ""));

    List<Row> rows = Comparison.run("test", entries, SPEC, 1);

    assertThat(rows.get(1)).isEqualTo(new Row.NotAvailable("outpost (hit)", "the cache has not landed"));
    assertThat(calls).containsExactly("direct");
  }

  @Test
  void driverThatCannotConnect_becomesFailed() throws Exception {
    Comparison.DriverFactory refused = e -> {
      throw new java.sql.SQLException("Connection to 127.0.0.1:1 refused");
    };
    List<Row> rows = Comparison.run("test",
        List.of(new Comparison.Entry("peer", false, SOMEWHERE, refused, null, "")), SPEC, 2);

    assertThat(rows).containsExactly(new Row.Failed("peer", "could not connect: Connection to 127.0.0.1:1 refused"));
  }

  @Test
  void endpointWhoseEveryOperationFails_becomesFailed() throws Exception {
    Comparison.DriverFactory broken = e -> () -> index -> seq -> {
      throw new IllegalStateException("protocol desync");
    };
    List<Row> rows = Comparison.run("test",
        List.of(new Comparison.Entry("outpost", false, SOMEWHERE, broken, null, "")),
        new LoadSpec(1, Duration.ZERO, 0, Duration.ofSeconds(30), 1_000_000, 0), 1);

    assertThat(rows).singleElement().isInstanceOf(Row.Failed.class);
    assertThat(((Row.Failed) rows.get(0)).reason()).contains("protocol desync");
  }

  @Test
  void checkThatRejectsTheRun_turnsNumbersIntoNotAvailable() throws Exception {
    Comparison.Check noHits = new Comparison.Check() {
      @Override
      public void roundStarts() {}

      @Override
      public void roundEnded() {}

      @Override
      public Comparison.Verdict verdict(LoadResult result) {
        return Comparison.Verdict.notAvailable("every read reached the origin");
      }
    };
    List<Row> rows = Comparison.run("test",
        List.of(new Comparison.Entry("outpost (hit)", false, SOMEWHERE, recording("hit"), noHits, "")), SPEC, 1);

    assertThat(rows).containsExactly(new Row.NotAvailable("outpost (hit)", "every read reached the origin"));
  }

  @Test
  void check_countsOnlyItsOwnEndpointsRounds_whileOthersDriveTheSameOrigin() throws Exception {
    AtomicLong originCalls = new AtomicLong(); // what every endpoint's operations reach
    AtomicLong hitOps = new AtomicLong(); // what the checked endpoint itself sent
    Comparison.DriverFactory direct = e -> () -> index -> seq -> {
      originCalls.incrementAndGet();
      return null;
    };
    Comparison.DriverFactory hits = e -> () -> index -> seq -> {
      originCalls.incrementAndGet();
      hitOps.incrementAndGet();
      return null;
    };
    AtomicLong counted = new AtomicLong();
    Comparison.Check countCalls = new Comparison.Check() {
      private long before;

      @Override
      public void roundStarts() {
        before = originCalls.get();
      }

      @Override
      public void roundEnded() {
        counted.addAndGet(originCalls.get() - before);
      }

      @Override
      public Comparison.Verdict verdict(LoadResult result) {
        return Comparison.Verdict.fine(counted.get() + " calls");
      }
    };
    List<Row> rows = Comparison.run("test", List.of(
        new Comparison.Entry("direct", true, SOMEWHERE, direct, null, ""),
        new Comparison.Entry("outpost (hit)", false, SOMEWHERE, hits, countCalls, "")), SPEC, 3);

    assertThat(originCalls.get()).isGreaterThan(hitOps.get());
    assertThat(counted.get()).isEqualTo(hitOps.get());
    assertThat(((Row.Measured) rows.get(1)).note()).contains(hitOps.get() + " calls");
  }

  @Test
  void roundSpec_splitsTheMeasurementAndWarmsUpFullyOnlyOnce() {
    LoadSpec first = Comparison.roundSpec(SPEC, 0, 3);
    LoadSpec later = Comparison.roundSpec(SPEC, 1, 3);

    assertThat(first.duration()).isEqualTo(Duration.ofSeconds(10));
    assertThat(first.maxOps()).isEqualTo(4);
    assertThat(first.warmup()).isEqualTo(SPEC.warmup());
    assertThat(later.warmup()).isEqualTo(SPEC.warmup().dividedBy(4));
    assertThat(later.warmupOps()).isEqualTo(1);
  }
}
