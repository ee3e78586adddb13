package dev.outpost.bench.scenario;

import java.util.List;
import java.util.Optional;

/** The scenarios the bench knows, in the order {@code all} runs them. */
public final class Scenarios {
  private static final List<Scenario> ALL = List.of(
      new ServerlessScenario(),
      new PooledReadHeavyScenario(),
      new CacheHitCeilingScenario(),
      new PassthroughOverheadScenario(),
      new FreshnessScenario(),
      new RegionSharingScenario());

  private Scenarios() {}

  public static List<Scenario> all() {
    return ALL;
  }

  public static Optional<Scenario> named(String name) {
    return ALL.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  public static List<String> names() {
    return ALL.stream().map(Scenario::name).toList();
  }
}
