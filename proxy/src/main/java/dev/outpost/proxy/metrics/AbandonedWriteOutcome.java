package dev.outpost.proxy.metrics;

import java.util.Locale;

/** How a write whose client disconnected while it ran was seen to end (metric outcome label). */
public enum AbandonedWriteOutcome {
  /** Its requests ended on their own. */
  ENDED,
  /** The node cancelled them after abandoned-write-timeout, and they ended. */
  CANCELLED,
  /** The origin connection closed (the backend is gone). */
  CLOSED,
  /** Still running after the cancel: the node closed the connection; a commit after that goes unseen. */
  CUT_SHORT;

  /** The metric's outcome label: the name in lower case. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
