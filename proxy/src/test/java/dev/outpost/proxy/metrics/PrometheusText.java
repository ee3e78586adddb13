package dev.outpost.proxy.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests: every line must be a
 * HELP, TYPE or comment line, or a sample whose family was declared by a TYPE line; histograms
 * must have cumulative buckets ending in {@code le="+Inf"} equal to their {@code _count}.
 */
public final class PrometheusText {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
  private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") .*");
  private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{(.*)})? (\\S+)( -?\\d+)?");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\[\\\\\"n])*)\"(,|$)");

  /** One sample line. */
  record Sample(String name, Map<String, String> labels, double value) {}

  final Map<String, String> types = new LinkedHashMap<>();
  final List<Sample> samples = new ArrayList<>();

  /** Parses {@code text}, failing with the offending line on any violation. */
  public static PrometheusText parse(String text) {
    PrometheusText t = new PrometheusText();
    int n = 0;
    for (String line : text.split("\n", -1)) {
      n++;
      if (line.isEmpty()) {
        continue;
      }
      Matcher m;
      if ((m = TYPE.matcher(line)).matches()) {
        if (t.types.put(m.group(1), m.group(2)) != null) {
          throw new AssertionError("line " + n + ": family declared twice: " + line);
        }
      } else if (HELP.matcher(line).matches() || line.startsWith("# ")) {
        continue;
      } else if ((m = SAMPLE.matcher(line)).matches()) {
        t.samples.add(new Sample(m.group(1), labels(m.group(3), n, line), value(m.group(4), n, line)));
        String family = t.family(m.group(1));
        if (family == null) {
          throw new AssertionError("line " + n + ": sample of an undeclared family: " + line);
        }
      } else {
        throw new AssertionError("line " + n + ": not exposition format: " + line);
      }
    }
    t.checkHistograms();
    return t;
  }

  private static Map<String, String> labels(String text, int n, String line) {
    Map<String, String> out = new LinkedHashMap<>();
    if (text == null || text.isEmpty()) {
      return out;
    }
    Matcher m = LABEL.matcher(text);
    int at = 0;
    while (at < text.length()) {
      if (!m.find(at) || m.start() != at) {
        throw new AssertionError("line " + n + ": bad labels: " + line);
      }
      if (out.put(m.group(1), m.group(2)) != null) {
        throw new AssertionError("line " + n + ": repeated label: " + line);
      }
      at = m.end();
    }
    return out;
  }

  private static double value(String text, int n, String line) {
    switch (text) {
      case "NaN":
        return Double.NaN;
      case "+Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      default:
        try {
          return Double.parseDouble(text);
        } catch (NumberFormatException e) {
          throw new AssertionError("line " + n + ": bad value: " + line);
        }
    }
  }

  /** The declared family a sample name belongs to, or null. */
  String family(String sample) {
    if (types.containsKey(sample)) {
      return sample;
    }
    for (String suffix : List.of("_bucket", "_count", "_sum")) {
      if (sample.endsWith(suffix)) {
        String base = sample.substring(0, sample.length() - suffix.length());
        if ("histogram".equals(types.get(base)) || "summary".equals(types.get(base))) {
          return base;
        }
      }
    }
    return null;
  }

  private void checkHistograms() {
    Map<String, Double> lastBucket = new LinkedHashMap<>();
    Map<String, Double> infBucket = new LinkedHashMap<>();
    for (Sample s : samples) {
      if (s.name().endsWith("_bucket")) {
        Map<String, String> rest = new LinkedHashMap<>(s.labels());
        String le = rest.remove("le");
        if (le == null) {
          throw new AssertionError("bucket without le: " + s);
        }
        String series = s.name() + rest;
        Double prev = lastBucket.put(series, s.value());
        if (prev != null && s.value() < prev) {
          throw new AssertionError("buckets not cumulative: " + s);
        }
        if (le.equals("+Inf")) {
          infBucket.put(s.name().replaceFirst("_bucket$", "_count") + rest, s.value());
        }
      }
    }
    for (Map.Entry<String, Double> e : infBucket.entrySet()) {
      Double count = samples.stream().filter(s -> (s.name() + s.labels()).equals(e.getKey())).map(Sample::value)
          .findFirst().orElseThrow(() -> new AssertionError("histogram without _count: " + e.getKey()));
      if (!count.equals(e.getValue())) {
        throw new AssertionError("+Inf bucket " + e.getValue() + " differs from _count " + count + " for " + e.getKey());
      }
    }
    if (lastBucket.size() > 0 && infBucket.isEmpty()) {
      throw new AssertionError("histogram buckets without le=\"+Inf\"");
    }
  }

  /** The value of the one sample with this name and exactly these labels. */
  public double value(String name, String... labelPairs) {
    Map<String, String> want = new LinkedHashMap<>();
    for (int i = 0; i < labelPairs.length; i += 2) {
      want.put(labelPairs[i], labelPairs[i + 1]);
    }
    List<Sample> found = samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(want)).toList();
    if (found.size() != 1) {
      throw new AssertionError("expected one sample " + name + want + ", found " + found.size());
    }
    return found.get(0).value();
  }

  /** True when a sample with this name exists (any labels). */
  boolean has(String name) {
    return samples.stream().anyMatch(s -> s.name().equals(name));
  }
}
