package dev.outpost.proxy.metrics;

/** How a write whose client disconnected while it ran was seen to end (metric outcome label). */
public enum AbandonedWriteOutcome {
  /** Its requests ended on their own. */
  ENDED("ended"),
  /** The node cancelled them after abandoned-write-timeout, and they ended. */
  CANCELLED("cancelled"),
  /** The origin connection closed (the backend is gone). */
  CLOSED("closed"),
  /** Still running after the cancel: the node closed the connection; a commit after that goes unseen. */
  CUT_SHORT("cut_short");

  private final String label;

  AbandonedWriteOutcome(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
