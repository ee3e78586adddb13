package dev.outpost.bench.lab;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The poolers the bench starts as peers, PgBouncer and pgpool-II, each placed next to the
 * application (pooling to the distant origin) or next to the origin. Started on first use, once
 * per run, and stopped with the {@link Lab}. Guarded by the lab's lock.
 */
final class Poolers {
  private static final String PGB_LOCAL = "outpost_bench_local";
  private static final String PGB_EDGE = "outpost_bench_edge";

  private final Lab lab;
  private final Map<Boolean, Availability<PgpoolProcess>> pgpools = new HashMap<>();
  private Availability<PgBouncerProcess> pgbouncer;
  private String pgbouncerQuirk = "";

  Poolers(Lab lab) {
    this.lab = lab;
  }

  /** PgBouncer started by the bench ({@code --pgbouncer auto}), pooling to a distant or local origin. */
  Availability<Endpoint> pgbouncer(boolean distant)
      throws IOException, SQLException, InterruptedException {
    if (lab.config().pgbouncer().equals("off")) {
      return Availability.missing("not requested (--pgbouncer auto starts one)");
    }
    if (pgbouncer == null) {
      String wanted = lab.config().pgbouncer();
      Path binary = wanted.equals("auto") ? PgBouncerProcess.DEFAULT_BINARY : Path.of(wanted);
      Map<String, PgAddress> aliases = new LinkedHashMap<>();
      aliases.put(PGB_LOCAL, lab.origin());
      aliases.put(PGB_EDGE, lab.distantOrigin());
      pgbouncer = PgBouncerProcess.start(binary, aliases, lab.config().workDir().resolve("pgbouncer"));
      if (pgbouncer.isPresent()) {
        lab.closeLater(pgbouncer.value());
        lab.fact("PgBouncer", pgbouncer.value().version() + ", transaction pooling, pool size "
            + PgBouncerProcess.POOL_SIZE + ", started by the bench");
        pgbouncerQuirk = dateStyleResets(pgbouncer.value().endpoint(PGB_LOCAL, "pgbouncer", lab.origin()));
      } else {
        lab.fact("PgBouncer", "not available: " + pgbouncer.reason());
      }
    }
    PgAddress login = lab.origin();
    return pgbouncer.map(p -> {
      Endpoint e = p.endpoint(distant ? PGB_EDGE : PGB_LOCAL, "pgbouncer", login);
      String placement = distant ? "application → PgBouncer (same region) → WAN → origin"
          : "application → PgBouncer → origin";
      String note = String.join("; ", Stream.of(placement, e.note(), pgbouncerQuirk)
          .filter(n -> !n.isEmpty()).toList());
      return e.withNote(note);
    });
  }

  /**
   * Whether PgBouncer re-sends {@code SET DateStyle} before every transaction, as 1.18 does with
   * pgjdbc (which asks for {@code ISO} while the server reports {@code ISO, MDY};
   * pgbouncer/pgbouncer#776). Measured, not assumed: three transactions through it, and the
   * origin's statement counts. Returns a note for the report, or empty.
   */
  private String dateStyleResets(Endpoint through) throws IOException, SQLException {
    Availability<OriginCounter> counter = lab.originCounter();
    if (!counter.isPresent()) {
      return "";
    }
    long before = counter.value().calls("SET DateStyle");
    try (Connection c = through.connect(); Statement s = c.createStatement()) {
      for (int i = 0; i < 3; i++) {
        s.execute("SELECT 1");
      }
    }
    long resets = counter.value().calls("SET DateStyle") - before;
    return resets < 3 ? "" : "PgBouncer sent SET DateStyle to the origin before each of 3 probe transactions "
        + "(pgjdbc asks for DateStyle ISO, the server reports ISO, MDY): one extra origin round trip per transaction "
        + "that libpq clients do not cause";
  }

  /**
   * pgpool-II started by the bench ({@code --pgpool auto}) in front of a distant or local origin;
   * pgpool-II has one backend per instance, so each placement gets its own.
   */
  Availability<Endpoint> pgpool(boolean distant)
      throws IOException, SQLException, InterruptedException {
    if (lab.config().pgpool().equals("off")) {
      return Availability.missing("not requested (--pgpool auto starts one)");
    }
    PgAddress server = distant ? lab.distantOrigin() : lab.origin();
    Availability<PgpoolProcess> process = pgpools.get(distant);
    if (process == null) {
      String wanted = lab.config().pgpool();
      Path binary = wanted.equals("auto") ? PgpoolProcess.DEFAULT_BINARY : Path.of(wanted);
      Path dir = lab.config().workDir().resolve(distant ? "pgpool-edge" : "pgpool-local");
      process = PgpoolProcess.start(binary, server, dir);
      pgpools.put(distant, process);
      if (process.isPresent()) {
        lab.closeLater(process.value());
        lab.fact("pgpool-II", process.value().version() + ", raw mode, connection cache on, query cache off, "
            + PgpoolProcess.CHILDREN + " children, started by the bench");
      } else {
        lab.fact("pgpool-II", "not available: " + process.reason());
      }
    }
    String placement = distant ? "application → pgpool-II (same region) → WAN → origin"
        : "application → pgpool-II → origin";
    return process.map(p -> {
      Endpoint e = p.endpoint("pgpool", server);
      return e.withNote(placement + "; session pooling per child process (" + PgpoolProcess.CHILDREN
          + "): a new client on a child without a cached backend connection pays the full login; " + e.note());
    });
  }
}
