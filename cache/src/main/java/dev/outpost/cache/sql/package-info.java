/**
 * SQL lexing and statement classification for the proxy: {@link dev.outpost.cache.sql.SqlLexer}
 * (a lexer faithful to the Postgres scanner), {@link dev.outpost.cache.sql.SqlStatements}
 * (splitting and normalization), {@link dev.outpost.cache.sql.StatementClassifier} (kind, tables,
 * functions, hints and cacheability facts) and {@link dev.outpost.cache.sql.SessionCommand}
 * (SET/RESET/DISCARD/DEALLOCATE for session-state tracking).
 *
 * <p>Everything here is pure and thread-safe (no shared mutable state) and never throws on any
 * SQL text. Nothing here knows about sockets, Netty, JDBC or JGroups.
 */
package dev.outpost.cache.sql;
