/**
 * Metrics of a node (DESIGN §10.3): a {@link dev.outpost.proxy.metrics.Metrics} facade over
 * Micrometer's Prometheus registry that the rest of the proxy records into, a plain-value
 * {@link dev.outpost.proxy.metrics.MetricsSnapshot} for the admin console, and the
 * {@link dev.outpost.proxy.metrics.MetricsServer} that serves {@code /metrics} and {@code /health}.
 *
 * <p>Who records what (one {@code Metrics} per node, shared by all of these):
 * <ul>
 *   <li>a client session, after authentication: {@code metrics.database(db)} once, then
 *       {@code record(status, nanos)} per query (or {@code recordPassthrough(nanos)}), and
 *       {@code untrackedStateChanged()} when it runs set_config(), DO, SET ROLE …;
 *   <li>the channel initializer: {@code clientConnected()} / {@code clientDisconnected()} per
 *       socket; the startup handler: {@code clientRejected()} (limit, TLS required, shutting
 *       down) and {@code authFailed()};
 *   <li>the node, when it creates a pool: {@code bindPool(name, sampler)}, closing the binding
 *       when the pool closes;
 *   <li>the cache, cluster and change-feed wiring: {@code bindCache}, {@code bindCluster},
 *       {@code bindChangeFeed}; the cache's schema listener: {@code schemaChanged()};
 *   <li>the admin console reads {@code snapshot()}; {@code MetricsServer} serves {@code scrape()}.
 * </ul>
 */
package dev.outpost.proxy.metrics;
