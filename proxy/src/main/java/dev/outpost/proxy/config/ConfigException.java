package dev.outpost.proxy.config;

import java.util.List;

/**
 * A configuration that cannot be used, with every problem found in one pass (not just the first),
 * each a complete sentence that names the key, the value (masked when it is a secret) and what is
 * allowed, e.g. {@code pool-size: "abc" is not a whole number (allowed: 1..10000)}.
 *
 * <p>It is an {@link IllegalArgumentException} so that code which builds a configuration in code
 * (tests, the demo) keeps treating a bad value as a bad argument.
 */
public final class ConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  /** At least one problem. */
  public ConfigException(List<String> problems) {
    super(String.join("\n", requireSome(problems)));
    this.problems = List.copyOf(problems);
  }

  /** A single problem. */
  public ConfigException(String problem) {
    this(List.of(problem));
  }

  private static List<String> requireSome(List<String> problems) {
    if (problems == null || problems.isEmpty()) {
      throw new IllegalArgumentException("a ConfigException needs at least one problem");
    }
    return problems;
  }

  /** The problems, in the order they were found; never empty. */
  public List<String> problems() {
    return problems;
  }
}
