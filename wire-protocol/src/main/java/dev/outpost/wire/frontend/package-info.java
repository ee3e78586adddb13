/**
 * Typed frontend (client to server) messages that Outpost acts on. Each type decodes from a
 * frame's body and encodes to a complete message; other frontend messages pass through as raw
 * {@link dev.outpost.wire.Frame}s.
 */
package dev.outpost.wire.frontend;
