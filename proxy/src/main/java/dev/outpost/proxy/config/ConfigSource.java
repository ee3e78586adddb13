package dev.outpost.proxy.config;

import java.util.Locale;

/** Where a setting's value came from, as {@code SHOW CONFIG} shows it. */
public enum ConfigSource {
  /** Not set anywhere: the documented default. */
  DEFAULT,
  /** The config file ({@code --config}). */
  FILE,
  /** An {@code OUTPOST_…} environment variable. */
  ENV,
  /** A {@code serve} flag. */
  FLAG,
  /** Set by code through {@link ProxyConfig.Builder} (tests, the demo). */
  CODE;

  /** Lower-case name: default, file, env, flag, code. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
