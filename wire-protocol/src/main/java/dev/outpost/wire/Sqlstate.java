package dev.outpost.wire;

/**
 * The SQLSTATE codes Outpost itself produces. Errors that come from the origin are passed
 * through with their own code and never mapped to this enum.
 */
public enum Sqlstate {
  SUCCESSFUL_COMPLETION("00000"),
  CONNECTION_EXCEPTION("08000"),
  CONNECTION_DOES_NOT_EXIST("08003"),
  CONNECTION_FAILURE("08006"),
  SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION("08001"),
  SQLSERVER_REJECTED_ESTABLISHMENT_OF_SQLCONNECTION("08004"),
  PROTOCOL_VIOLATION("08P01"),
  FEATURE_NOT_SUPPORTED("0A000"),
  INVALID_AUTHORIZATION_SPECIFICATION("28000"),
  INVALID_PASSWORD("28P01"),
  INVALID_CATALOG_NAME("3D000"),
  INVALID_PARAMETER_VALUE("22023"),
  INVALID_SQL_STATEMENT_NAME("26000"),
  INVALID_CURSOR_NAME("34000"),
  DUPLICATE_PREPARED_STATEMENT("42P05"),
  SYNTAX_ERROR("42601"),
  INSUFFICIENT_PRIVILEGE("42501"),
  UNDEFINED_OBJECT("42704"),
  OBJECT_NOT_IN_PREREQUISITE_STATE("55000"),
  OUT_OF_MEMORY("53200"),
  TOO_MANY_CONNECTIONS("53300"),
  PROGRAM_LIMIT_EXCEEDED("54000"),
  OPERATOR_INTERVENTION("57000"),
  QUERY_CANCELED("57014"),
  ADMIN_SHUTDOWN("57P01"),
  IDLE_SESSION_TIMEOUT("57P05"),
  CANNOT_CONNECT_NOW("57P03"),
  INTERNAL_ERROR("XX000");

  private final String code;

  Sqlstate(String code) {
    this.code = code;
  }

  /** The five-character code as sent in the {@code C} field of an ErrorResponse. */
  public String code() {
    return code;
  }

  /** True when a client should treat the connection as broken (class 08). */
  public boolean isConnectionClass() {
    return code.startsWith("08");
  }
}
