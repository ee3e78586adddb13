package dev.outpost.proxy.config;

import java.util.Objects;

/**
 * One line of {@code SHOW CONFIG}: a key, its effective value with secrets masked, where the value
 * came from, and how RELOAD treats it.
 *
 * @param key the key's flat name
 * @param value the effective value as written in the file; passwords, verifiers and the origin
 *     URL's password are {@code ***}
 * @param source where it came from
 * @param reload {@code live} when RELOAD applies a new value, {@code restart} when it waits for a
 *     restart, or which part of it RELOAD applies ({@code restart (password: live)})
 */
public record ConfigRow(String key, String value, ConfigSource source, String reload) {
  /** Rejects nulls. */
  public ConfigRow {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(reload, "reload");
  }
}
