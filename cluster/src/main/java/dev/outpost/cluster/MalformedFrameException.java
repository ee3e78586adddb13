package dev.outpost.cluster;

/**
 * A received cluster frame that cannot be read: truncated, inconsistent, of an unknown version or
 * kind, or larger than allowed. Receivers count and log it and carry on; it never escapes to a
 * JGroups thread.
 */
final class MalformedFrameException extends Exception {

  private static final long serialVersionUID = 1L;

  MalformedFrameException(String message) {
    super(message, null, false, false); // no stack trace: these are expected, counted conditions
  }
}
