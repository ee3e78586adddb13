package dev.outpost.proxy.config;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Collects configuration problems so that one pass reports all of them. Compact constructors use
 * it to check every rule before throwing one {@link ConfigException}.
 */
final class Problems {
  private final List<String> list = new ArrayList<>();

  void add(String problem) {
    list.add(problem);
  }

  void addAll(List<String> problems) {
    list.addAll(problems);
  }

  /** Records {@code problem} unless {@code ok}. */
  void check(boolean ok, Supplier<String> problem) {
    if (!ok) {
      list.add(problem.get());
    }
  }

  /**
   * Builds a part of the configuration; when it is rejected its problems are recorded and
   * {@code fallback} stands in, so that the checks that depend on it still run.
   */
  <T> T attempt(Supplier<T> build, T fallback) {
    try {
      return build.get();
    } catch (ConfigException e) {
      list.addAll(e.problems());
    } catch (IllegalArgumentException | NullPointerException e) {
      list.add(e.getMessage());
    }
    return fallback;
  }

  boolean isEmpty() {
    return list.isEmpty();
  }

  List<String> list() {
    return List.copyOf(list);
  }

  void throwIfAny() {
    if (!list.isEmpty()) {
      throw new ConfigException(list);
    }
  }

  /** The house format of one problem: {@code key: "value" problem (allowed: …)}. */
  static String bad(String key, String shownValue, String problem, String allowed) {
    return key + ": " + quote(shownValue) + " " + problem + (allowed == null ? "" : " (allowed: " + allowed + ")");
  }

  static String quote(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
