package dev.outpost.cluster;

/**
 * The node could not join its region (bad stack file, address in use, unreachable bind address).
 * The message names the config key involved where one is; the proxy reports it and exits, or runs
 * without the cluster if the operator asked for that.
 */
public final class ClusterException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** With the cause kept for the log. */
  public ClusterException(String message, Throwable cause) {
    super(message, cause);
  }
}
