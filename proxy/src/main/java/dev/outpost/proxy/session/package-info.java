/**
 * The per-client state machine: startup and authentication ({@link
 * dev.outpost.proxy.session.StartupHandler}), then requests and responses ({@link
 * dev.outpost.proxy.session.ClientSession}) with prepared statements virtualized across origin
 * connections and session settings re-applied wherever the client's next transaction runs.
 */
package dev.outpost.proxy.session;
