package dev.outpost.bench.scenario;

import dev.outpost.bench.util.Durations;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The effective parameters of one scenario run: the {@code --quick} or full default, replaced by
 * a global override ({@code --duration}, {@code --warmup}, {@code --rounds}) and then by
 * {@code --param SCENARIO.KEY=VALUE}. Immutable.
 */
public final class Params {
  private final String scenario;
  private final Map<String, String> values;

  private Params(String scenario, Map<String, String> values) {
    this.scenario = scenario;
    this.values = values;
  }

  /**
   * @param overrides {@code "scenario.key" -> value} and global {@code "key" -> value}
   * @throws IllegalArgumentException for an override of a key this scenario does not have
   */
  public static Params resolve(String scenario, List<Param> declared, boolean quick, Map<String, String> overrides) {
    Map<String, String> values = new LinkedHashMap<>();
    for (Param p : declared) {
      String value = quick ? p.quickDefault() : p.fullDefault();
      value = overrides.getOrDefault(p.key(), value);
      value = overrides.getOrDefault(scenario + "." + p.key(), value);
      values.put(p.key(), value);
    }
    for (String key : overrides.keySet()) {
      if (key.startsWith(scenario + ".") && !values.containsKey(key.substring(scenario.length() + 1))) {
        throw new IllegalArgumentException("scenario " + scenario + " has no parameter '"
            + key.substring(scenario.length() + 1) + "' (it has " + values.keySet() + ")");
      }
    }
    return new Params(scenario, values);
  }

  public String string(String key) {
    String v = values.get(key);
    if (v == null) {
      throw new IllegalArgumentException("scenario " + scenario + " declares no parameter '" + key + "'");
    }
    return v;
  }

  public int integer(String key) {
    try {
      return Integer.parseInt(string(key).replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(scenario + "." + key + " must be a whole number: " + string(key));
    }
  }

  public long longValue(String key) {
    try {
      return Long.parseLong(string(key).replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(scenario + "." + key + " must be a whole number: " + string(key));
    }
  }

  public double decimal(String key) {
    try {
      return Double.parseDouble(string(key));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(scenario + "." + key + " must be a number: " + string(key));
    }
  }

  public Duration duration(String key) {
    try {
      return Durations.parse(string(key));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(scenario + "." + key + ": " + e.getMessage());
    }
  }

  /** Every parameter and its effective value, in declaration order. */
  public Map<String, String> asMap() {
    return new LinkedHashMap<>(values);
  }
}
