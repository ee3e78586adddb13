/**
 * Authentication math: SCRAM-SHA-256 (RFC 5802, RFC 7677) on both sides — Outpost is the server
 * towards its clients and a client towards the origin — and Postgres' MD5 password hashing.
 * Nothing here logs or exposes a password.
 */
package dev.outpost.wire.auth;
