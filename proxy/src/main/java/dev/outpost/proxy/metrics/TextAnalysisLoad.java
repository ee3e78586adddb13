package dev.outpost.proxy.metrics;

/**
 * The load of the node's text-analysis pool (long statement texts analysed off the event loops),
 * as it reports it to {@link Metrics#bindTextAnalysis(java.util.function.Supplier)}.
 *
 * @param chars characters of the texts handed to the pool now (queued or being analysed)
 * @param waitingClients sessions whose long text waits for room in the pool's budget
 * @param waits times a long text found the budget full and waited for room, since start
 * @param skipped texts skipped because their client had gone when their turn came, since start
 */
public record TextAnalysisLoad(long chars, int waitingClients, long waits, long skipped) {}
