package dev.outpost.changefeed;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of {@link ChangeFeed#check}: whether the origin can provide the change feed, and
 * if not, every reason with what the operator has to do.
 *
 * <p>Guarantees: {@code ok} is true exactly when {@code problems} is empty; each problem and
 * warning is one self-contained sentence naming the setting, attribute or privilege involved.
 *
 * @param ok true when the feed can start
 * @param problems what prevents the feed from starting
 * @param warnings what the operator should know but does not prevent starting
 */
public record CheckResult(boolean ok, List<String> problems, List<String> warnings) {

  /** Freezes the lists and ties {@code ok} to them. */
  public CheckResult {
    problems = List.copyOf(Objects.requireNonNull(problems, "problems"));
    warnings = List.copyOf(Objects.requireNonNull(warnings, "warnings"));
    if (ok != problems.isEmpty()) {
      throw new IllegalArgumentException("ok must be true exactly when there are no problems");
    }
  }

  /** A result from its findings. */
  public static CheckResult of(List<String> problems, List<String> warnings) {
    return new CheckResult(problems.isEmpty(), problems, warnings);
  }

  /** All problems in one line each, for a start-up error or warning. */
  public String summary() {
    return ok ? "the origin supports the change feed" : String.join("\n", problems);
  }
}
