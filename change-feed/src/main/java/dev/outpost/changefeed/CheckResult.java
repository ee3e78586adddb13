package dev.outpost.changefeed;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of {@link ChangeFeed#check}: whether the origin can provide the change feed, and
 * if not, every reason with what the operator has to do.
 *
 * <p>Guarantees: {@code ok} is true exactly when {@code problems} is empty; each problem and
 * warning is one self-contained sentence naming the setting, attribute or privilege involved; an
 * origin that could not be reached at all ({@code originReachable} false) was not judged: its
 * problem says so, and nothing is known of what it supports.
 *
 * @param ok true when the feed can start
 * @param problems what prevents the feed from starting
 * @param warnings what the operator should know but does not prevent starting
 * @param originReachable false when no connection to the origin could be opened (down, restarting,
 *     refusing connections), so that the check says nothing of its settings
 */
public record CheckResult(boolean ok, List<String> problems, List<String> warnings, boolean originReachable) {

  /** Freezes the lists and ties {@code ok} to them. */
  public CheckResult {
    problems = List.copyOf(Objects.requireNonNull(problems, "problems"));
    warnings = List.copyOf(Objects.requireNonNull(warnings, "warnings"));
    if (ok != problems.isEmpty()) {
      throw new IllegalArgumentException("ok must be true exactly when there are no problems");
    }
    if (!originReachable && ok) {
      throw new IllegalArgumentException("an origin that was not reached cannot have passed the check");
    }
  }

  /** The result of a check that reached the origin. */
  public CheckResult(boolean ok, List<String> problems, List<String> warnings) {
    this(ok, problems, warnings, true);
  }

  /** A result from its findings, the origin reached. */
  public static CheckResult of(List<String> problems, List<String> warnings) {
    return new CheckResult(problems.isEmpty(), problems, warnings, true);
  }

  /** The origin could not be reached: {@code problem} says why; nothing was judged. */
  public static CheckResult unreachable(String problem, List<String> warnings) {
    return new CheckResult(false, List.of(problem), warnings, false);
  }

  /** All problems in one line each, for a start-up error or warning. */
  public String summary() {
    return ok ? "the origin supports the change feed" : String.join("\n", problems);
  }
}
