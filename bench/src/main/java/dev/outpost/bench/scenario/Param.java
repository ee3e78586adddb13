package dev.outpost.bench.scenario;

import java.util.Objects;

/**
 * A scenario parameter with its full-run and {@code --quick} defaults.
 *
 * @param key the name under which {@code --param SCENARIO.KEY=VALUE} overrides it
 * @param fullDefault the value of a full run
 * @param quickDefault the value of a {@code --quick} run
 * @param help one line for {@code outpost-bench list}
 */
public record Param(String key, String fullDefault, String quickDefault, String help) {
  public Param {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(fullDefault, "fullDefault");
    Objects.requireNonNull(quickDefault, "quickDefault");
    Objects.requireNonNull(help, "help");
  }

  public static Param of(String key, String both, String help) {
    return new Param(key, both, both, help);
  }
}
