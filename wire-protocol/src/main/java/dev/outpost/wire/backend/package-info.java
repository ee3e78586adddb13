/**
 * Typed backend (server to client) messages that Outpost acts on or produces itself; the rest
 * (DataRow from the origin, CopyData, notifications, …) pass through as raw frames.
 */
package dev.outpost.wire.backend;
