package dev.outpost.proxy.metrics;

/**
 * What large messages (of clients and of the origin) hold of the node's memory, as the node reports it to
 * {@link Metrics#bindLargeMessages(java.util.function.Supplier)}.
 *
 * @param bytes bytes held now by large messages being received or not yet forwarded
 * @param limit bytes they may hold at once
 * @param refused large messages refused since start because they did not fit
 */
public record LargeMessageLoad(long bytes, long limit, long refused) {}
