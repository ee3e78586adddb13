package dev.outpost.proxy.config;

import java.util.Locale;

/**
 * What transaction pooling does with a statement that needs a session of its own (LISTEN, SQL
 * PREPARE, session advisory locks, temporary tables, SET ROLE): refuse it with an error that
 * names session mode, or pin the client to its origin connection for the rest of its life.
 */
public enum SessionFeaturePolicy {
  ERROR,
  PIN;

  public static SessionFeaturePolicy parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("invalid session-features policy '" + text + "': allowed are error, pin");
    }
  }
}
