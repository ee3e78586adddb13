package dev.outpost.proxy.origin;

import dev.outpost.wire.backend.ErrorFields;

/**
 * The origin refused something with an ErrorResponse (e.g. a login with 28P01 or an unknown
 * database with 3D000). Carries the origin's fields so that the client sees them unchanged.
 */
public final class OriginErrorException extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient ErrorFields fields;

  public OriginErrorException(ErrorFields fields) {
    super(fields.sqlstate() + ": " + fields.message());
    this.fields = fields;
  }

  public ErrorFields fields() {
    return fields;
  }
}
