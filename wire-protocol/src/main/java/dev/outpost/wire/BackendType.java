package dev.outpost.wire;

/** Type bytes of backend (server to client) messages, with a constant-time lookup. */
public enum BackendType {
  AUTHENTICATION('R'),
  BACKEND_KEY_DATA('K'),
  BIND_COMPLETE('2'),
  CLOSE_COMPLETE('3'),
  COMMAND_COMPLETE('C'),
  COPY_BOTH_RESPONSE('W'),
  COPY_DATA('d'),
  COPY_DONE('c'),
  COPY_IN_RESPONSE('G'),
  COPY_OUT_RESPONSE('H'),
  DATA_ROW('D'),
  EMPTY_QUERY_RESPONSE('I'),
  ERROR_RESPONSE('E'),
  FUNCTION_CALL_RESPONSE('V'),
  NEGOTIATE_PROTOCOL_VERSION('v'),
  NO_DATA('n'),
  NOTICE_RESPONSE('N'),
  NOTIFICATION_RESPONSE('A'),
  PARAMETER_DESCRIPTION('t'),
  PARAMETER_STATUS('S'),
  PARSE_COMPLETE('1'),
  PORTAL_SUSPENDED('s'),
  READY_FOR_QUERY('Z'),
  ROW_DESCRIPTION('T');

  private static final BackendType[] BY_BYTE = new BackendType[256];

  static {
    for (BackendType t : values()) {
      BY_BYTE[t.code] = t;
    }
  }

  private final byte code;

  BackendType(char code) {
    this.code = (byte) code;
  }

  public byte code() {
    return code;
  }

  /** The type for {@code b}, or null when no backend message has that byte. */
  public static BackendType of(byte b) {
    return BY_BYTE[b & 0xFF];
  }

  /**
   * True for messages the server may send at any time, outside the request/response pairing:
   * NoticeResponse, NotificationResponse and ParameterStatus.
   */
  public boolean isAsynchronous() {
    return this == NOTICE_RESPONSE || this == NOTIFICATION_RESPONSE || this == PARAMETER_STATUS;
  }
}
