package dev.outpost.wire.auth;

/**
 * An authentication exchange failed: a wrong password, or a peer that broke the SASL rules. The
 * message is safe to log and never contains secrets.
 */
public final class AuthenticationFailedException extends Exception {
  private static final long serialVersionUID = 1L;
  private final boolean protocolViolation;

  public AuthenticationFailedException(String message) {
    this(message, false);
  }

  private AuthenticationFailedException(String message, boolean protocolViolation) {
    super(message);
    this.protocolViolation = protocolViolation;
  }

  /**
   * The peer broke the SASL rules (a malformed message, a channel binding that does not match):
   * Postgres names these to the client (08P01), where a wrong password stays a bare 28P01.
   */
  public static AuthenticationFailedException protocol(String message) {
    return new AuthenticationFailedException(message, true);
  }

  /** Whether the exchange broke the protocol, as opposed to proving a wrong password. */
  public boolean protocolViolation() {
    return protocolViolation;
  }
}
