package dev.outpost.bench.report;

import dev.outpost.bench.load.LoadResult;
import dev.outpost.bench.scenario.Row;
import dev.outpost.bench.scenario.ScenarioResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Writes {@code report.md}: the summary paragraph, the headline table (every scenario and
 * endpoint: p50, p95, p99, mean, ops/s and how each compares with direct), the machine, the exact
 * command, the setup, then a section per scenario with its parameters, full numbers, notes and
 * charts. A row without numbers says "not available yet: reason" or "failed: reason".
 */
public final class MarkdownReport {
  private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
      .withZone(ZoneOffset.UTC);

  private MarkdownReport() {}

  /** @param charts the chart files of each scenario, by scenario name, relative to the report */
  public static void write(RunReport report, Map<String, List<String>> charts, Path file) throws IOException {
    StringBuilder md = new StringBuilder();
    md.append("# Outpost benchmark: ").append(report.name()).append("\n\n");
    md.append(Summary.paragraph(report)).append("\n\n");
    headline(report, md);
    md.append("## Machine\n\n");
    report.machine().forEach((k, v) -> md.append("- **").append(k).append("**: ").append(v).append('\n'));
    md.append("- **run**: ").append(WHEN.format(report.started())).append(", ")
        .append(Duration.between(report.started(), report.finished()).toSeconds()).append(" s\n\n");
    md.append("Everything (load generator, WAN emulator, Postgres, Outpost nodes, peers) shares this machine, ")
        .append("so absolute numbers are lower than on dedicated hardware; the comparisons are what matters.\n\n");
    md.append("## Command\n\n```\n").append(report.command()).append("\n```\n\n");
    md.append("## Setup\n\n");
    report.setup().forEach((k, v) -> md.append("- **").append(k).append("**: ").append(Fmt.cell(v)).append('\n'));
    md.append('\n');
    for (ScenarioResult s : report.scenarios()) {
      section(s, charts.getOrDefault(s.name(), List.of()), md);
    }
    md.append("## Reading this report\n\n")
        .append("- Latencies are per operation, from its start (or, in an open loop, its scheduled start) to ")
        .append("its end, in milliseconds; pN is the Nth percentile (HdrHistogram, 3 significant digits). ")
        .append("Warm-up is never included.\n")
        .append("- \"vs direct\" compares the median latency (and throughput) with the scenario's baseline row; ")
        .append("in cache-hit-ceiling the baseline is SELECT 1 straight to Postgres.\n")
        .append("- \"not available yet\" means the feature or endpoint that row needs did not exist in this run; ")
        .append("the reason is given and no number is shown.\n")
        .append("- `results.csv` has every number (plus p90, p99.9, max, and reads and writes separately); ")
        .append("`histograms/` has each row's full percentile distribution.\n");
    Files.writeString(file, md, StandardCharsets.UTF_8);
  }

  private static void headline(RunReport report, StringBuilder md) {
    md.append("## Headline\n\n");
    md.append("| scenario | endpoint | p50 ms | p95 ms | p99 ms | mean ms | ops/s | latency vs direct "
        + "| throughput vs direct |\n");
    md.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |\n");
    for (ScenarioResult s : report.scenarios()) {
      LoadResult base = s.baseline().map(Row.Measured::result).orElse(null);
      for (Row row : s.rows()) {
        md.append("| ").append(s.name()).append(" | ").append(Fmt.cell(row.endpoint())).append(" | ");
        if (row instanceof Row.Measured m) {
          LoadResult r = m.result();
          md.append(Fmt.millis(r.millisAt(50))).append(" | ").append(Fmt.millis(r.millisAt(95))).append(" | ")
              .append(Fmt.millis(r.millisAt(99))).append(" | ").append(Fmt.millis(r.meanMillis())).append(" | ")
              .append(s.throughputMeaningful() ? Fmt.rate(r.opsPerSecond()) : "—").append(" | ")
              .append(m.baseline() ? "baseline" : base == null ? "" : Fmt.latencyVs(r.millisAt(50), base.millisAt(50)))
              .append(" | ")
              .append(m.baseline() || base == null || !s.throughputMeaningful() ? ""
                  : Fmt.rateVs(r.opsPerSecond(), base.opsPerSecond()))
              .append(" |\n");
        } else {
          md.append(Fmt.shorten(unavailable(row), 240)).append(" | | | | | | | |\n");
        }
      }
    }
    md.append('\n');
  }

  private static String unavailable(Row row) {
    if (row instanceof Row.NotAvailable na) {
      return Fmt.cell("not available yet: " + na.reason());
    }
    return Fmt.cell("failed: " + ((Row.Failed) row).reason());
  }

  private static void section(ScenarioResult s, List<String> charts, StringBuilder md) {
    md.append("## ").append(s.name()).append(": ").append(s.title()).append("\n\n");
    md.append(s.description()).append("\n\n");
    md.append("| parameter | value |\n| --- | --- |\n");
    s.parameters().forEach((k, v) -> md.append("| ").append(k).append(" | ").append(Fmt.cell(v)).append(" |\n"));
    md.append('\n');
    md.append("| endpoint | ops | errors | ops/s | p50 | p90 | p95 | p99 | p99.9 | max | mean |\n");
    md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    StringBuilder notes = new StringBuilder();
    for (Row row : s.rows()) {
      md.append("| ").append(Fmt.cell(row.endpoint())).append(" | ");
      if (row instanceof Row.Measured m) {
        LoadResult r = m.result();
        md.append(r.ops()).append(" | ").append(r.errors()).append(" | ")
            .append(s.throughputMeaningful() ? Fmt.rate(r.opsPerSecond()) : "—").append(" | ");
        percentiles(r.latency(), md);
        md.append(" |\n");
        for (Map.Entry<String, Histogram> kind : r.byKind().entrySet()) {
          md.append("| ").append(Fmt.cell(row.endpoint())).append(" — ").append(kind.getKey()).append("s | ")
              .append(kind.getValue().getTotalCount()).append(" | | | ");
          percentiles(kind.getValue(), md);
          md.append(" |\n");
        }
        if (!m.note().isEmpty()) {
          notes.append("- **").append(m.endpoint()).append("**: ").append(m.note()).append('\n');
        }
      } else {
        md.append(unavailable(row)).append(" | | | | | | | | | |\n");
      }
    }
    md.append("\nLatencies in ms. ");
    s.rows().stream().filter(r -> r instanceof Row.Measured).findFirst()
        .ifPresent(r -> md.append("Load: ").append(((Row.Measured) r).result().mode()).append('.'));
    md.append("\n\n");
    if (!notes.isEmpty()) {
      md.append(notes).append('\n');
    }
    for (String note : s.notes()) {
      md.append("- ").append(note).append('\n');
    }
    if (!s.notes().isEmpty()) {
      md.append('\n');
    }
    for (String chart : charts) {
      md.append("![").append(s.name()).append("](").append(chart).append(")\n");
    }
    if (!charts.isEmpty()) {
      md.append('\n');
    }
  }

  private static void percentiles(Histogram h, StringBuilder md) {
    md.append(Fmt.millis(h.getValueAtPercentile(50) / 1e6)).append(" | ")
        .append(Fmt.millis(h.getValueAtPercentile(90) / 1e6)).append(" | ")
        .append(Fmt.millis(h.getValueAtPercentile(95) / 1e6)).append(" | ")
        .append(Fmt.millis(h.getValueAtPercentile(99) / 1e6)).append(" | ")
        .append(Fmt.millis(h.getValueAtPercentile(99.9) / 1e6)).append(" | ")
        .append(Fmt.millis(h.getMaxValue() / 1e6)).append(" | ")
        .append(Fmt.millis(h.getMean() / 1e6));
  }
}
