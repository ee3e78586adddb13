/**
 * The Outpost node: the Netty server ({@code server}), the per-client state machine
 * ({@code session}), origin connections and pools ({@code origin}), configuration
 * ({@code config}), the command line ({@code cli}) and the demo ({@code demo}).
 */
package dev.outpost.proxy;
