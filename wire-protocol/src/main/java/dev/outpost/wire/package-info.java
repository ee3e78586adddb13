/**
 * Postgres frontend/backend protocol 3.0: message type bytes, SQLSTATE codes, and the helpers
 * shared by the typed messages in {@code wire.frontend} and {@code wire.backend}, the Netty
 * codecs in {@code wire.codec} and the authentication math in {@code wire.auth}.
 *
 * <p>Messages that Outpost acts on are typed; everything else travels as a {@link
 * dev.outpost.wire.Frame} of raw bytes.
 */
package dev.outpost.wire;
