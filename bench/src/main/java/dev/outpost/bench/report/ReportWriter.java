package dev.outpost.bench.report;

import dev.outpost.bench.scenario.Row;
import dev.outpost.bench.scenario.ScenarioResult;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a run's results directory: {@code report.md}, {@code results.csv}, {@code charts/*.png}
 * and {@code histograms/*.hgrm} (HdrHistogram's percentile distribution, in milliseconds).
 */
public final class ReportWriter {
  private ReportWriter() {}

  /** Writes everything into {@code dir} (created if needed) and returns the report's path. */
  public static Path write(RunReport report, Path dir) throws IOException {
    Files.createDirectories(dir);
    Map<String, List<String>> charts = new LinkedHashMap<>();
    for (ScenarioResult s : report.scenarios()) {
      List<String> relative = new ArrayList<>();
      for (Path chart : Charts.write(s, dir.resolve("charts"))) {
        relative.add("charts/" + chart.getFileName());
      }
      charts.put(s.name(), relative);
      histograms(s, dir.resolve("histograms"));
    }
    CsvReport.write(report, dir.resolve("results.csv"));
    Path md = dir.resolve("report.md");
    MarkdownReport.write(report, charts, md);
    return md;
  }

  private static void histograms(ScenarioResult s, Path dir) throws IOException {
    for (Row row : s.rows()) {
      if (row instanceof Row.Measured m) {
        Files.createDirectories(dir);
        String file = (s.name() + "-" + m.endpoint()).replaceAll("[^A-Za-z0-9.-]+", "_") + ".hgrm";
        try (OutputStream out = Files.newOutputStream(dir.resolve(file));
            PrintStream print = new PrintStream(out, false, StandardCharsets.UTF_8)) {
          m.result().latency().outputPercentileDistribution(print, 1e6);
        }
      }
    }
  }
}
