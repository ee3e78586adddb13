package dev.outpost.wire;

import java.util.Objects;

/**
 * A failure that must reach the client as an ErrorResponse with {@link #sqlstate()}.
 *
 * <p>The message says what happened and what to do; it never contains a password or a
 * parameter value. {@link #fatal()} errors end the client connection after they are sent.
 */
public final class PgWireException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Sqlstate sqlstate;
  private final boolean fatal;
  private final String detail;
  private final String hint;
  private final transient dev.outpost.wire.backend.ErrorFields fields;

  public PgWireException(Sqlstate sqlstate, String message) {
    this(sqlstate, message, null, null, false);
  }

  public PgWireException(Sqlstate sqlstate, String message, String detail, String hint, boolean fatal) {
    super(message);
    this.sqlstate = Objects.requireNonNull(sqlstate, "sqlstate");
    this.detail = detail;
    this.hint = hint;
    this.fatal = fatal;
    this.fields = null;
  }

  private PgWireException(dev.outpost.wire.backend.ErrorFields fields, Sqlstate sqlstate) {
    super(fields.message());
    this.sqlstate = sqlstate;
    this.detail = fields.fields().get('D');
    this.hint = fields.fields().get('H');
    this.fatal = fields.isFatal();
    this.fields = fields;
  }

  /**
   * An error that another server (the origin) produced, to be relayed with all of its fields
   * unchanged. {@link #sqlstate()} is the matching enum constant, or INTERNAL_ERROR when Outpost
   * has no constant for the code; {@link #sqlstateCode()} is always the original code.
   */
  public static PgWireException relay(dev.outpost.wire.backend.ErrorFields fields) {
    Sqlstate known = Sqlstate.INTERNAL_ERROR;
    for (Sqlstate s : Sqlstate.values()) {
      if (s.code().equals(fields.sqlstate())) {
        known = s;
      }
    }
    return new PgWireException(fields, known);
  }

  /** A fatal error: sent with severity FATAL, then the connection closes. */
  public static PgWireException fatal(Sqlstate sqlstate, String message) {
    return new PgWireException(sqlstate, message, null, null, true);
  }

  public Sqlstate sqlstate() {
    return sqlstate;
  }

  /** The five-character SQLSTATE the client will see. */
  public String sqlstateCode() {
    return fields != null ? fields.sqlstate() : sqlstate.code();
  }

  public boolean fatal() {
    return fatal;
  }

  public String detail() {
    return detail;
  }

  public String hint() {
    return hint;
  }

  /** Builds the ErrorResponse fields of this exception. */
  public dev.outpost.wire.backend.ErrorFields toErrorFields() {
    if (fields != null) {
      return fields;
    }
    return dev.outpost.wire.backend.ErrorFields.of(fatal ? "FATAL" : "ERROR", sqlstate, getMessage(), detail, hint);
  }
}
