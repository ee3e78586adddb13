package dev.outpost.bench.load;

/**
 * One client of a load phase, used by one thread only. Opening it (connections, prepared
 * statements) is not measured; each {@link #execute} is one measured operation.
 */
public interface Worker extends AutoCloseable {

  /**
   * Runs one operation and returns its kind ({@code "read"}, {@code "write"}), under which its
   * latency is recorded besides the total, or null to record it in the total only.
   *
   * @param sequence a number unique to this operation within the phase (warm-up has its own)
   */
  String execute(long sequence) throws Exception;

  @Override
  default void close() throws Exception {}

  /** Opens the worker for client {@code index} (0-based). */
  @FunctionalInterface
  interface Factory {
    Worker open(int index) throws Exception;
  }
}
