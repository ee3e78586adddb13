/** Netty codecs for the protocol's framing: startup packets and typed-length frames. */
package dev.outpost.wire.codec;
