/**
 * Connections to the origin Postgres and their pools: raw protocol over Netty channels, logged in
 * ahead of time, handed to client sessions per transaction (or per session) and given back.
 */
package dev.outpost.proxy.origin;
