package dev.outpost.proxy.config;

import java.util.Locale;

/** How clients prove who they are to Outpost. */
public enum AuthMethod {
  /** SCRAM-SHA-256 (the default, as in Postgres). */
  SCRAM,
  /** MD5 challenge. */
  MD5,
  /** No password asked (only for trusted networks and tests). */
  TRUST,
  /**
   * The client's cleartext password is checked by logging in to the origin with it; any role the
   * origin accepts may connect.
   */
  PASSTHROUGH;

  public static AuthMethod parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    switch (t) {
      case "scram":
      case "scram-sha-256":
        return SCRAM;
      case "md5":
        return MD5;
      case "trust":
        return TRUST;
      case "passthrough":
        return PASSTHROUGH;
      default:
        throw new IllegalArgumentException("invalid auth method '" + text
            + "': allowed are scram, md5, trust, passthrough");
    }
  }

  public String label() {
    return this == SCRAM ? "scram" : name().toLowerCase(Locale.ROOT);
  }
}
