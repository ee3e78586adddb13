/**
 * A WAN emulator: a Netty TCP relay that delays each direction of every connection by a
 * configurable one-way latency (with optional jitter), order-preserving and without batching, so
 * that "a distant server" can be made on one machine. Entry point: {@link dev.outpost.wan.WanEmulator}.
 */
package dev.outpost.wan;
