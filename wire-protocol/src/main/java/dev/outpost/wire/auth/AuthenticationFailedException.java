package dev.outpost.wire.auth;

/**
 * An authentication exchange failed: a wrong password, or a peer that broke the SASL rules. The
 * message is safe to log and never contains secrets.
 */
public final class AuthenticationFailedException extends Exception {
  private static final long serialVersionUID = 1L;

  public AuthenticationFailedException(String message) {
    super(message);
  }
}
