package dev.outpost.bench.report;

import dev.outpost.bench.load.LoadResult;
import dev.outpost.bench.scenario.RegionSharingScenario;
import dev.outpost.bench.scenario.Row;
import dev.outpost.bench.scenario.ScenarioResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The plain-language paragraph at the top of the report, built from the numbers of the run and
 * nothing else: a sentence per scenario that has numbers, then what could not be measured yet.
 */
public final class Summary {
  private Summary() {}

  public static String paragraph(RunReport report) {
    List<String> sentences = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (ScenarioResult s : report.scenarios()) {
      sentence(s).ifPresent(sentences::add);
      for (Row row : s.rows()) {
        if (row instanceof Row.NotAvailable na) {
          missing.add(s.name() + " / " + na.endpoint() + " (" + shorten(na.reason()) + ")");
        } else if (row instanceof Row.Failed f) {
          missing.add(s.name() + " / " + f.endpoint() + " (failed: " + shorten(f.reason()) + ")");
        }
      }
    }
    if (!missing.isEmpty()) {
      sentences.add("Not measured in this run: " + String.join("; ", missing) + ".");
    }
    if (sentences.isEmpty()) {
      return "This run produced no measurements.";
    }
    return String.join(" ", sentences);
  }

  private static Optional<String> sentence(ScenarioResult s) {
    Optional<LoadResult> base = s.baseline().map(Row.Measured::result);
    if (base.isEmpty()) {
      return Optional.empty();
    }
    double b = base.get().millisAt(50);
    return Optional.of(switch (s.name()) {
      case "serverless" -> serverless(s, b);
      case "pooled-read-heavy" -> pooled(s, base.get());
      case "cache-hit-ceiling" -> ceiling(s, b);
      case "passthrough-overhead" -> passthrough(s, b);
      case "freshness" -> freshness(s, b);
      case "region-sharing" -> regionSharing(s, b);
      default -> generic(s, b);
    });
  }

  private static String serverless(ScenarioResult s, double direct) {
    StringBuilder b = new StringBuilder("A new connection plus one query (median): ")
        .append(Fmt.millisWithUnit(direct)).append(" direct across the WAN");
    s.measured("outpost (miss)").ifPresent(m -> b.append(", ").append(Fmt.millisWithUnit(m.result().millisAt(50)))
        .append(" through Outpost in the application's region (").append(Fmt.latencyVs(m.result().millisAt(50), direct))
        .append(")"));
    s.measured("outpost (hit)").ifPresent(m -> b.append(", ").append(Fmt.millisWithUnit(m.result().millisAt(50)))
        .append(" when Outpost has the result cached"));
    others(s, List.of("direct", "outpost (miss)", "outpost (hit)"), direct, b);
    return b.append('.').toString();
  }

  private static String pooled(ScenarioResult s, LoadResult direct) {
    StringBuilder b = new StringBuilder("A pooled application with a read-heavy mix: ")
        .append(Fmt.rate(direct.opsPerSecond())).append(" ops/s at a median of ")
        .append(Fmt.millisWithUnit(direct.millisAt(50))).append(" direct");
    for (Row row : s.rows()) {
      if (row instanceof Row.Measured m && !m.baseline()) {
        b.append(", ").append(Fmt.rate(m.result().opsPerSecond())).append(" ops/s at ")
            .append(Fmt.millisWithUnit(m.result().millisAt(50))).append(" through ").append(Fmt.prose(m.endpoint()));
      }
    }
    return b.append('.').toString();
  }

  private static String ceiling(ScenarioResult s, double floor) {
    Optional<Row.Measured> hit = s.measured("outpost (hit)");
    if (hit.isEmpty()) {
      return "The floor of any query, SELECT 1 straight to Postgres on loopback, takes " + Fmt.millisWithUnit(floor)
          + " (median).";
    }
    return "A cache hit takes " + Fmt.millisWithUnit(hit.get().result().millisAt(50)) + " (median, "
        + Fmt.rate(hit.get().result().opsPerSecond()) + " ops/s), against " + Fmt.millisWithUnit(floor)
        + " for SELECT 1 straight to Postgres on loopback.";
  }

  private static String passthrough(ScenarioResult s, double direct) {
    StringBuilder b = new StringBuilder("With the cache off and Postgres on the same machine, a prepared point read "
        + "takes ").append(Fmt.millisWithUnit(direct)).append(" direct");
    for (Row row : s.rows()) {
      if (row instanceof Row.Measured m && !m.baseline()) {
        double p50 = m.result().millisAt(50);
        b.append(", ").append(Fmt.millisWithUnit(p50)).append(" through ").append(Fmt.prose(m.endpoint()))
            .append(" (").append(p50 >= direct ? "+" : "−").append(Fmt.millisWithUnit(Math.abs(p50 - direct)))
            .append(")");
      }
    }
    return b.append(" (medians).").toString();
  }

  private static String freshness(ScenarioResult s, double direct) {
    StringBuilder b = new StringBuilder("A write in one region is read back in another after ")
        .append(Fmt.millisWithUnit(direct)).append(" when both talk to the origin directly");
    for (Row row : s.rows()) {
      if (row instanceof Row.Measured m && !m.baseline()) {
        b.append(", ").append(Fmt.millisWithUnit(m.result().millisAt(50))).append(" (p99 ")
            .append(Fmt.millisWithUnit(m.result().millisAt(99))).append(") through ").append(Fmt.prose(m.endpoint()));
      }
    }
    return b.append(" (medians).").toString();
  }

  private static String regionSharing(ScenarioResult s, double direct) {
    StringBuilder b = new StringBuilder("Three nodes sharing one region's cache: a read takes ")
        .append(Fmt.millisWithUnit(direct)).append(" direct");
    for (Row row : s.rows()) {
      if (row instanceof Row.Measured m && !m.baseline() && !m.endpoint().equals(RegionSharingScenario.PROPAGATION)) {
        b.append(", ").append(Fmt.millisWithUnit(m.result().millisAt(50))).append(" through ")
            .append(Fmt.prose(m.endpoint()));
      }
    }
    b.append(" (medians)");
    s.measured(RegionSharingScenario.PROPAGATION).ifPresent(m -> b.append("; a write on one node is seen on the "
        + "other two after ").append(Fmt.millisWithUnit(m.result().millisAt(50))).append(" (p99 ")
        .append(Fmt.millisWithUnit(m.result().millisAt(99))).append(")"));
    b.append('.');
    s.notes().stream().filter(n -> n.startsWith("Sharing saved")).findFirst()
        .ifPresent(n -> b.append(' ').append(n.substring(0, n.indexOf(':') < 0 ? n.length() : n.indexOf(':')))
            .append('.'));
    return b.toString();
  }

  private static String generic(ScenarioResult s, double base) {
    StringBuilder b = new StringBuilder(s.title()).append(": ").append(Fmt.millisWithUnit(base)).append(" baseline");
    others(s, List.of(), base, b);
    return b.append(" (medians).").toString();
  }

  private static void others(ScenarioResult s, List<String> done, double base, StringBuilder b) {
    for (Row row : s.rows()) {
      if (row instanceof Row.Measured m && !m.baseline() && !done.contains(m.endpoint())) {
        b.append(", ").append(Fmt.millisWithUnit(m.result().millisAt(50))).append(" through ").append(Fmt.prose(m.endpoint()));
      }
    }
  }

  private static String shorten(String reason) {
    return Fmt.shorten(reason, 160);
  }
}
