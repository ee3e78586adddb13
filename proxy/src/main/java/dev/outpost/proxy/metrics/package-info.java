/**
 * Metrics of a node (DESIGN §10.3): a {@link dev.outpost.proxy.metrics.Metrics} facade over
 * Micrometer's Prometheus registry that the rest of the proxy records into, a plain-value
 * {@link dev.outpost.proxy.metrics.MetricsSnapshot} for the admin console, and the
 * {@link dev.outpost.proxy.metrics.MetricsServer} that serves {@code /metrics} and {@code /health}.
 */
package dev.outpost.proxy.metrics;
