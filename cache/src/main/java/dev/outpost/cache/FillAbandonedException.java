package dev.outpost.cache;

/**
 * Completes a single-flight follower's future when the leader gave up (error, suspended portal,
 * oversized result, leader timeout, invalidation): the follower must send its query to the origin
 * itself. Carries no stack trace; it is a signal, not a bug.
 */
public final class FillAbandonedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Creates the signal with a reason for logs. */
  public FillAbandonedException(String reason) {
    super(reason, null, false, false);
  }
}
