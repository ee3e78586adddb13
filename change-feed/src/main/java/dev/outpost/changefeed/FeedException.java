package dev.outpost.changefeed;

import java.sql.SQLException;

/**
 * Why one attempt to consume the stream ended. {@code permanent} failures need an operator (the
 * feed goes to FAILED); the others are retried with back-off. {@code kind} groups failures of
 * the same cause so that an outage is logged once, not once per retry.
 */
final class FeedException extends Exception {

  enum Kind {
    /** The origin cannot be reached, restarts or closed the connection. */
    UNREACHABLE(false),
    /** Another consumer holds the slot (Postgres refuses a second START_REPLICATION). */
    SLOT_IN_USE(false),
    /** No free WAL sender or connection on the origin. */
    NO_CAPACITY(false),
    /** The sink could not deliver an invalidation; the stream is replayed. */
    DELIVERY(false),
    /** Anything else the origin reported; retried. */
    OTHER(false),
    /** The origin's configuration or the role's privileges do not allow the feed. */
    UNSUPPORTED(true),
    /** The stream could not be understood: continuing could lose invalidations. */
    DESYNC(true);

    final boolean permanent;

    Kind(boolean permanent) {
      this.permanent = permanent;
    }
  }

  final Kind kind;

  FeedException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  boolean permanent() {
    return kind.permanent;
  }

  /**
   * Classifies a Postgres or pgjdbc error raised while {@code doing} something. SQLSTATEs:
   * class 08 and 57P0x (connection, shutdown, start-up) are outages; 55006 is a busy slot;
   * 53300 means no free connection or WAL sender; 28xxx (authentication), 42501 (privilege),
   * 55000 (e.g. wal_level, a lost slot), 3D000 (no such database), 42704 (no such publication)
   * and 53400 (no free replication slot) need an operator.
   */
  static FeedException classify(String doing, SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String detail = doing + ": " + oneLine(e.getMessage()) + (state.isEmpty() ? "" : " [SQLSTATE " + state + "]");
    Kind kind;
    if (state.isEmpty() || state.startsWith("08") || state.startsWith("57P")) {
      kind = Kind.UNREACHABLE;
    } else if (state.equals("55006")) {
      kind = Kind.SLOT_IN_USE;
      detail = doing + ": the replication slot is in use by another consumer (" + oneLine(e.getMessage())
          + "); waiting for it to stop [SQLSTATE 55006]";
    } else if (state.equals("53300")) {
      kind = Kind.NO_CAPACITY;
      detail += "; waiting for a free WAL sender (raise max_wal_senders or max_connections on the origin)";
    } else if (state.startsWith("28") || state.equals("42501")) {
      kind = Kind.UNSUPPORTED;
      if (state.equals("42501")) {
        detail += "; the role needs the REPLICATION attribute (ALTER ROLE … REPLICATION) or superuser";
      }
    } else if (state.equals("55000") || state.equals("3D000") || state.equals("42704") || state.equals("53400")) {
      kind = Kind.UNSUPPORTED;
      if (state.equals("55000") && detail.contains("can no longer get changes")) {
        detail += "; the slot lost WAL it needs: drop it (outpost change-feed drop-slot) and start again, which"
            + " invalidates everything cached for the database";
      } else if (state.equals("42704")) {
        detail += "; if the publication was created after the slot, drop the slot (outpost change-feed drop-slot)"
            + " so that a new one is created after it";
      }
    } else {
      kind = Kind.OTHER;
    }
    return new FeedException(kind, detail, e);
  }

  /** First line of a server message (pgjdbc appends position and detail lines). */
  static String oneLine(String message) {
    if (message == null) {
      return "(no message)";
    }
    int nl = message.indexOf('\n');
    return (nl < 0 ? message : message.substring(0, nl)).trim();
  }
}
