package dev.outpost.bench.report;

import dev.outpost.bench.scenario.Row;
import dev.outpost.bench.scenario.ScenarioResult;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Draws a scenario's PNG charts with JFreeChart: the latency percentile curve of every measured
 * endpoint (HdrHistogram style: percentile on a log scale of 1/(1-p), latency on a log scale) and,
 * where throughput means something, a bar per endpoint.
 */
public final class Charts {
  static {
    System.setProperty("java.awt.headless", "true");
  }

  private static final int WIDTH = 960;
  private static final int HEIGHT = 540;
  /** The curve stops at 99.99%: beyond it, short runs have too few samples to say anything. */
  private static final double MAX_PERCENTILE = 99.99;
  private static final Color[] PALETTE = {
      new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
      new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};

  private Charts() {}

  /** Writes the charts of {@code scenario} into {@code dir}; returns the files written (maybe none). */
  public static List<Path> write(ScenarioResult scenario, Path dir) throws IOException {
    List<Row.Measured> rows = scenario.rows().stream().filter(r -> r instanceof Row.Measured)
        .map(r -> (Row.Measured) r).toList();
    List<Path> files = new ArrayList<>();
    if (rows.isEmpty()) {
      return files;
    }
    Files.createDirectories(dir);
    Path latency = dir.resolve(scenario.name() + "-latency.png");
    ChartUtils.saveChartAsPNG(latency.toFile(), latencyChart(scenario, rows), WIDTH, HEIGHT);
    files.add(latency);
    if (scenario.throughputMeaningful()) {
      Path throughput = dir.resolve(scenario.name() + "-throughput.png");
      ChartUtils.saveChartAsPNG(throughput.toFile(), throughputChart(scenario, rows), WIDTH, HEIGHT);
      files.add(throughput);
    }
    return files;
  }

  static JFreeChart latencyChart(ScenarioResult scenario, List<Row.Measured> rows) {
    XYSeriesCollection data = new XYSeriesCollection();
    for (Row.Measured row : rows) {
      XYSeries series = new XYSeries(row.endpoint(), true, true);
      Histogram h = row.result().latency();
      for (HistogramIterationValue v : h.percentiles(5)) {
        double p = v.getPercentileLevelIteratedTo();
        if (p > MAX_PERCENTILE) {
          break;
        }
        series.addOrUpdate(1 / (1 - p / 100), Math.max(v.getValueIteratedTo() / 1e6, 0.001));
      }
      data.addSeries(series);
    }
    JFreeChart chart = ChartFactory.createXYLineChart(scenario.title() + " — latency by percentile",
        "percentile", "latency (ms)", data, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    LogAxis x = new LogAxis("percentile");
    x.setSmallestValue(1);
    // One tick per "nine": 0%, 90%, 99%, 99.9%, ... (the unit is in powers of ten).
    x.setTickUnit(new NumberTickUnit(1), false, true);
    x.setNumberFormatOverride(new PercentileFormat());
    plot.setDomainAxis(x);
    plot.setRangeAxis(latencyAxis(data));
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    for (int i = 0; i < rows.size(); i++) {
      renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
      renderer.setSeriesStroke(i, new BasicStroke(2f));
    }
    plot.setRenderer(renderer);
    style(chart);
    return chart;
  }

  /**
   * Latencies that span decades (a cache hit next to a WAN round trip) get a log axis with a tick
   * per decade; a narrow range gets a linear one, where log ticks would be unreadable.
   */
  private static ValueAxis latencyAxis(XYSeriesCollection data) {
    double min = Double.MAX_VALUE;
    double max = 0;
    for (int s = 0; s < data.getSeriesCount(); s++) {
      XYSeries series = data.getSeries(s);
      if (series.getItemCount() > 0) {
        min = Math.min(min, series.getMinY());
        max = Math.max(max, series.getMaxY());
      }
    }
    DecimalFormat format = new DecimalFormat("0.###", DecimalFormatSymbols.getInstance(Locale.ROOT));
    if (max / min > 20) {
      LogAxis y = new LogAxis("latency (ms, log scale)");
      y.setSmallestValue(0.001);
      y.setTickUnit(new NumberTickUnit(1), false, true);
      y.setNumberFormatOverride(format);
      return y;
    }
    NumberAxis y = new NumberAxis("latency (ms)");
    y.setAutoRangeIncludesZero(true);
    y.setNumberFormatOverride(format);
    return y;
  }

  static JFreeChart throughputChart(ScenarioResult scenario, List<Row.Measured> rows) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (Row.Measured row : rows) {
      data.addValue(row.result().opsPerSecond(), "ops/s", row.endpoint());
    }
    JFreeChart chart = ChartFactory.createBarChart(scenario.title() + " — throughput", "endpoint",
        "operations per second", data, PlotOrientation.VERTICAL, false, false, false);
    CategoryPlot plot = chart.getCategoryPlot();
    BarRenderer renderer = (BarRenderer) plot.getRenderer();
    renderer.setBarPainter(new StandardBarPainter());
    renderer.setShadowVisible(false);
    renderer.setMaximumBarWidth(0.15);
    renderer.setSeriesPaint(0, PALETTE[0]);
    style(chart);
    return chart;
  }

  private static void style(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    chart.getPlot().setBackgroundPaint(new Color(0xfafafa));
    chart.setAntiAlias(true);
  }

  /** Labels the x axis (1/(1-p)) in percentiles: 1 → 0%, 10 → 90%, 100 → 99%, 1000 → 99.9%. */
  private static final class PercentileFormat extends NumberFormat {
    private static final long serialVersionUID = 1L;

    @Override
    public StringBuffer format(double value, StringBuffer to, FieldPosition pos) {
      double percentile = 100 * (1 - 1 / value);
      String text = String.format(Locale.ROOT, "%.4f", percentile).replaceAll("0+$", "").replaceAll("\\.$", "");
      return to.append(text).append('%');
    }

    @Override
    public StringBuffer format(long value, StringBuffer to, FieldPosition pos) {
      return format((double) value, to, pos);
    }

    @Override
    public Number parse(String source, ParsePosition pos) {
      throw new UnsupportedOperationException("labels are only ever formatted");
    }
  }
}
