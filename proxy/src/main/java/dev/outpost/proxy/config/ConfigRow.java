package dev.outpost.proxy.config;

import java.util.Objects;

/**
 * One line of {@code SHOW CONFIG}: a key, its effective value with secrets masked, where the value
 * came from, and whether RELOAD can change it.
 *
 * @param key the key's flat name
 * @param value the effective value as written in the file; passwords, verifiers and the origin
 *     URL's password are {@code ***}
 * @param source where it came from
 * @param live true when RELOAD applies a new value without a restart
 */
public record ConfigRow(String key, String value, ConfigSource source, boolean live) {
  /** Rejects nulls. */
  public ConfigRow {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(source, "source");
  }
}
