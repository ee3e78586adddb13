package dev.outpost.changefeed;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of {@link ChangeFeed#check}: whether the origin can provide the change feed, and
 * if not, every reason with what the operator has to do.
 *
 * <p>Guarantees: {@code ok} is true exactly when {@code problems} is empty; each problem and
 * warning is one self-contained sentence naming the setting, attribute or privilege involved; a
 * check that the origin could not answer ({@code judged} false: down, restarting, shutting down,
 * out of connections, the session terminated) says so in its problem, and nothing is known of what
 * the origin supports.
 *
 * @param ok true when the feed can start
 * @param problems what prevents the feed from starting
 * @param warnings what the operator should know but does not prevent starting
 * @param judged false when the origin could not answer the check (a connection failure, SQLSTATE
 *     class 08, 53 or 57), so that it says nothing of the origin's settings
 */
public record CheckResult(boolean ok, List<String> problems, List<String> warnings, boolean judged) {

  /** Freezes the lists and ties {@code ok} to them. */
  public CheckResult {
    problems = List.copyOf(Objects.requireNonNull(problems, "problems"));
    warnings = List.copyOf(Objects.requireNonNull(warnings, "warnings"));
    if (ok != problems.isEmpty()) {
      throw new IllegalArgumentException("ok must be true exactly when there are no problems");
    }
    if (!judged && ok) {
      throw new IllegalArgumentException("a check the origin could not answer cannot have passed");
    }
  }

  /** The result of a check the origin answered. */
  public CheckResult(boolean ok, List<String> problems, List<String> warnings) {
    this(ok, problems, warnings, true);
  }

  /** A result from its findings, the origin having answered. */
  public static CheckResult of(List<String> problems, List<String> warnings) {
    return new CheckResult(problems.isEmpty(), problems, warnings, true);
  }

  /** The origin could not answer the check: {@code problem} says why; nothing was judged. */
  public static CheckResult notJudged(String problem, List<String> warnings) {
    return new CheckResult(false, List.of(problem), warnings, false);
  }

  /** All problems in one line each, for a start-up error or warning. */
  public String summary() {
    return ok ? "the origin supports the change feed" : String.join("\n", problems);
  }
}
