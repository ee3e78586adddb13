package dev.outpost.bench.lab;

import java.util.Objects;
import java.util.function.Function;

/**
 * Either a thing the bench needs (an endpoint, a node, a feature) or the reason it is not there.
 * Scenarios turn a missing thing into a "not available yet: reason" row, never into a number.
 */
public sealed interface Availability<T> {

  /** The thing is there. */
  record Present<T>(T value) implements Availability<T> {
    public Present {
      Objects.requireNonNull(value, "value");
    }
  }

  /** The thing is missing, and why, in words a report reader understands. */
  record Missing<T>(String reason) implements Availability<T> {
    public Missing {
      Objects.requireNonNull(reason, "reason");
    }
  }

  static <T> Availability<T> present(T value) {
    return new Present<>(value);
  }

  static <T> Availability<T> missing(String reason) {
    return new Missing<>(reason);
  }

  default boolean isPresent() {
    return this instanceof Present<T>;
  }

  /** The value; only call after {@link #isPresent()}. */
  default T value() {
    if (this instanceof Present<T> p) {
      return p.value();
    }
    throw new IllegalStateException("not available: " + ((Missing<T>) this).reason());
  }

  /** The reason; only call when not present. */
  default String reason() {
    if (this instanceof Missing<T> m) {
      return m.reason();
    }
    throw new IllegalStateException("available");
  }

  default <R> Availability<R> map(Function<T, R> f) {
    return this instanceof Present<T> p ? present(f.apply(p.value())) : missing(reason());
  }
}
