package dev.outpost.bench.report;

import java.util.Locale;

/** Number formats shared by the report files, so the same number reads the same everywhere. */
final class Fmt {
  private Fmt() {}

  /** Milliseconds with precision that suits the magnitude: 0.213, 12.34, 212.5. */
  static String millis(double ms) {
    if (ms < 10) {
      return String.format(Locale.ROOT, "%.3f", ms);
    }
    if (ms < 100) {
      return String.format(Locale.ROOT, "%.2f", ms);
    }
    return String.format(Locale.ROOT, "%.1f", ms);
  }

  /** Milliseconds with their unit, for prose: "0.213 ms", "212.5 ms", "1.52 s". */
  static String millisWithUnit(double ms) {
    return ms >= 1_000 ? String.format(Locale.ROOT, "%.2f s", ms / 1_000) : millis(ms) + " ms";
  }

  /** Operations per second: 1,234 or 12.5. */
  static String rate(double perSecond) {
    return perSecond >= 100 ? String.format(Locale.ROOT, "%,.0f", perSecond)
        : String.format(Locale.ROOT, "%.1f", perSecond);
  }

  /** A plain number for CSV: dot decimals, no grouping. */
  static String csv(double value) {
    return String.format(Locale.ROOT, "%.4f", value);
  }

  /**
   * How a latency compares with the baseline's, as a reader says it: "4.52× faster",
   * "1.31× slower", "same".
   */
  static String latencyVs(double value, double baseline) {
    if (value <= 0 || baseline <= 0) {
      return "";
    }
    double ratio = baseline / value;
    if (Math.abs(ratio - 1) < 0.005) {
      return "same";
    }
    return ratio > 1 ? String.format(Locale.ROOT, "%.2f× faster", ratio)
        : String.format(Locale.ROOT, "%.2f× slower", 1 / ratio);
  }

  /** Throughput relative to the baseline's: "3.20×". */
  static String rateVs(double value, double baseline) {
    return baseline <= 0 ? "" : String.format(Locale.ROOT, "%.2f×", value / baseline);
  }

  /** At most {@code max} characters on one line, cut with "..." when longer. */
  static String shorten(String text, int max) {
    String oneLine = text.replace('\n', ' ');
    return oneLine.length() <= max ? oneLine : oneLine.substring(0, max - 3) + "...";
  }

  /** An endpoint label as prose writes it: "Outpost", "PgBouncer", "pgpool-II"; others unchanged. */
  static String prose(String label) {
    if (label.startsWith("outpost")) {
      return "Outpost" + label.substring("outpost".length());
    }
    if (label.equals("pgbouncer")) {
      return "PgBouncer";
    }
    return label.equals("pgpool") ? "pgpool-II" : label;
  }

  /** Escapes a Markdown table cell. */
  static String cell(String text) {
    return text.replace("|", "\\|").replace("\n", " ");
  }
}
