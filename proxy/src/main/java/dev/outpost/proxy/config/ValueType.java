package dev.outpost.proxy.config;

import java.nio.file.Path;

/**
 * How one configuration key's values are read and shown: the parser behind a {@link ConfigKey}.
 * Implementations live in {@link ValueTypes}.
 *
 * @param <T> the typed value
 */
interface ValueType<T> {

  /**
   * Reads a value as written. {@code raw} is a String (from a flag, the environment or a YAML
   * scalar) or, for structured keys, the YAML list it was given as. Relative paths are resolved
   * against {@code baseDir} (the config file's directory, or the working directory).
   *
   * @throws IllegalArgumentException with a phrase that completes {@code key: "value" …}, e.g.
   *     "is not a whole number"; or a {@link ConfigException} with complete messages
   */
  T parse(Object raw, Path baseDir, String key);

  /** What values are allowed, for messages and {@code --help}. */
  String allowed();

  /** A short placeholder for {@code --help}: N, DURATION, SIZE, HOST:PORT, on|off, … */
  default String label() {
    return "VALUE";
  }

  /** The value as written in the config file; secrets masked as {@code ***}. */
  String format(T value);

  /** True when values must never be shown. */
  default boolean secret() {
    return false;
  }

  /** True for list-valued keys that can only be written in the config file. */
  default boolean fileOnly() {
    return false;
  }

  /** How a rejected raw value is shown in a message (masked when secret). */
  default String show(Object raw) {
    if (!(raw instanceof String s)) {
      return "(a " + (raw instanceof java.util.List ? "list" : "mapping") + ")";
    }
    return secret() ? "***" : s;
  }
}
