package dev.outpost.proxy.config;

import java.util.Locale;

/** When a client gives its origin connection back (DESIGN §5.1). */
public enum PoolMode {
  /** After each transaction (ReadyForQuery {@code I}). */
  TRANSACTION,
  /** When the client disconnects; {@code DISCARD ALL} runs before reuse. */
  SESSION;

  public static PoolMode parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("invalid pool mode '" + text + "': allowed are transaction, session");
    }
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
