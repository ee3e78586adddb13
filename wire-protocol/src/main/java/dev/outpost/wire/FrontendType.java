package dev.outpost.wire;

/** Type bytes of frontend (client to server) messages, with a constant-time lookup. */
public enum FrontendType {
  BIND('B'),
  CLOSE('C'),
  COPY_DATA('d'),
  COPY_DONE('c'),
  COPY_FAIL('f'),
  DESCRIBE('D'),
  EXECUTE('E'),
  FLUSH('H'),
  FUNCTION_CALL('F'),
  PARSE('P'),
  /** PasswordMessage, SASLInitialResponse, SASLResponse and GSSResponse share this byte. */
  PASSWORD('p'),
  QUERY('Q'),
  SYNC('S'),
  TERMINATE('X');

  private static final FrontendType[] BY_BYTE = new FrontendType[256];

  static {
    for (FrontendType t : values()) {
      BY_BYTE[t.code] = t;
    }
  }

  private final byte code;

  FrontendType(char code) {
    this.code = (byte) code;
  }

  public byte code() {
    return code;
  }

  /** The type for {@code b}, or null when no frontend message has that byte. */
  public static FrontendType of(byte b) {
    return BY_BYTE[b & 0xFF];
  }
}
