package dev.outpost.bench.report;

import dev.outpost.bench.load.LoadResult;
import dev.outpost.bench.scenario.Row;
import dev.outpost.bench.scenario.ScenarioResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Writes {@code results.csv}: one line per scenario, endpoint and operation kind ({@code all},
 * then {@code read}, {@code write}, … where the scenario splits them). Latencies in milliseconds;
 * ratios are endpoint / baseline (latency below 1 is faster, throughput above 1 is more). Rows
 * without numbers have status {@code not_available} or {@code failed}, empty number columns and
 * the reason in {@code note}. RFC 4180 quoting.
 */
public final class CsvReport {
  public static final List<String> HEADER = List.of("scenario", "endpoint", "kind", "status", "baseline", "mode",
      "ops", "errors", "duration_s", "ops_per_s", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "p999_ms", "max_ms",
      "mean_ms", "p50_ratio_to_baseline", "ops_ratio_to_baseline", "note");

  private CsvReport() {}

  public static void write(RunReport report, Path file) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add(String.join(",", HEADER));
    for (ScenarioResult s : report.scenarios()) {
      LoadResult base = s.baseline().map(Row.Measured::result).orElse(null);
      for (Row row : s.rows()) {
        if (row instanceof Row.Measured m) {
          lines.add(measured(s, m, "all", m.result().latency(), m.result(), base));
          for (Map.Entry<String, Histogram> kind : m.result().byKind().entrySet()) {
            lines.add(measured(s, m, kind.getKey(), kind.getValue(), null, null));
          }
        } else if (row instanceof Row.NotAvailable na) {
          lines.add(empty(s, na.endpoint(), "not_available", na.reason()));
        } else if (row instanceof Row.Failed f) {
          lines.add(empty(s, f.endpoint(), "failed", f.reason()));
        }
      }
    }
    Files.write(file, lines, StandardCharsets.UTF_8);
  }

  /** A line of numbers; {@code total} is null for per-kind lines, which have no throughput of their own. */
  private static String measured(ScenarioResult s, Row.Measured m, String kind, Histogram h, LoadResult total,
      LoadResult base) {
    List<String> f = new ArrayList<>();
    f.add(s.name());
    f.add(m.endpoint());
    f.add(kind);
    f.add("ok");
    f.add(Boolean.toString(m.baseline()));
    f.add(m.result().mode());
    f.add(Long.toString(h.getTotalCount()));
    f.add(total == null ? "" : Long.toString(total.errors()));
    f.add(total == null ? "" : Fmt.csv(total.elapsedNanos() / 1e9));
    f.add(total == null || !s.throughputMeaningful() ? "" : Fmt.csv(total.opsPerSecond()));
    for (double p : new double[] {50, 90, 95, 99, 99.9}) {
      f.add(Fmt.csv(h.getValueAtPercentile(p) / 1e6));
    }
    f.add(Fmt.csv(h.getMaxValue() / 1e6));
    f.add(Fmt.csv(h.getMean() / 1e6));
    f.add(total == null || base == null ? "" : Fmt.csv(total.millisAt(50) / base.millisAt(50)));
    f.add(total == null || base == null || !s.throughputMeaningful() || base.opsPerSecond() == 0 ? ""
        : Fmt.csv(total.opsPerSecond() / base.opsPerSecond()));
    f.add(total == null ? "" : m.note());
    return line(f);
  }

  private static String empty(ScenarioResult s, String endpoint, String status, String note) {
    List<String> f = new ArrayList<>(List.of(s.name(), endpoint, "all", status, "false"));
    while (f.size() < HEADER.size() - 1) {
      f.add("");
    }
    f.add(note);
    return line(f);
  }

  private static String line(List<String> fields) {
    return String.join(",", fields.stream().map(CsvReport::quote).toList());
  }

  static String quote(String field) {
    if (field.contains(",") || field.contains("\"") || field.contains("\n") || field.contains("\r")) {
      return "\"" + field.replace("\"", "\"\"") + "\"";
    }
    return field;
  }
}
