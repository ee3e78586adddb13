package dev.outpost.changefeed;

/**
 * An operator-facing failure of the change feed (e.g. {@link ChangeFeed#dropSlot}): the message
 * says what happened and what to do.
 */
public final class ChangeFeedException extends RuntimeException {

  /** With the Postgres or I/O error that caused it. */
  public ChangeFeedException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Without a cause. */
  public ChangeFeedException(String message) {
    super(message);
  }
}
