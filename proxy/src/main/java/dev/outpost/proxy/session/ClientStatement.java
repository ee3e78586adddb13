package dev.outpost.proxy.session;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A statement a client prepared: its text and declared parameter types, the digest of (text,
 * types) that names its server-side versions (DESIGN §5.2; see {@link
 * dev.outpost.proxy.origin.ServerState}), and when the client parsed it: a version parsed since
 * then serves every client that prepared the same statement before.
 */
final class ClientStatement {
  final String sql;
  final int[] parameterTypes;
  /** Names the statement's server-side versions; empty for the unnamed statement. */
  final String digest;
  /** When the client's Parse of a named statement reached the node ({@link System#nanoTime}); 0 if unnamed. */
  final long parsedAtNanos;
  /** Identifies this particular Parse of the unnamed statement (unnamed statements are not shared). */
  final Object token = new Object();

  private ClientStatement(String sql, int[] parameterTypes, String digest, long parsedAtNanos) {
    this.sql = sql;
    this.parameterTypes = parameterTypes;
    this.digest = digest;
    this.parsedAtNanos = parsedAtNanos;
  }

  static ClientStatement named(String sql, int[] parameterTypes) {
    return new ClientStatement(sql, parameterTypes, digest(sql, parameterTypes), System.nanoTime());
  }

  /** The unnamed statement (one per Parse, never shared: no digest, no time, on the hot path). */
  static ClientStatement unnamed(String sql, int[] parameterTypes) {
    return new ClientStatement(sql, parameterTypes, "", 0);
  }

  /**
   * The node answered this statement's Parse itself (a stand-alone Parse, see {@code
   * Forwarder#acknowledgeParsesLocally}); the origin has not judged its text yet. If the origin
   * then refuses it, the client's statement is forgotten, as it would never have existed directly.
   */
  boolean acknowledgedLocally;

  /**
   * The result columns (a {@link dev.outpost.wire.backend.RowDescription#columnsDigest} digest)
   * the client was last given for this statement — the origin's answer to a Describe of the
   * statement or of a portal bound to it, or a cache replay's; 0 until then. A client that executes
   * the statement without describing it decodes the rows by these, so a cached answer is replayed
   * to it only when the entry's columns are these (an entry filled before a schema change the node
   * did not hear of may have others).
   */
  long shownColumns;

  /**
   * The origin gave a fresh copy of this statement other result columns than the client was given
   * (the schema changed since the client prepared it). As on Postgres, which then fails the
   * statement with 0A000 "cached plan must not change result type" until the client prepares it
   * again (pgjdbc does so by itself), every Bind of it fails instead of returning rows the client
   * would decode by the wrong columns.
   */
  boolean columnsChanged;

  /** 0: not yet known, 1: the text is an outpost.cache command, -1: it is not. */
  private byte outpostCommand;

  /** Whether the text is an {@code outpost.cache} command (asked at every Bind; decided once). */
  boolean isOutpostCommand() {
    if (outpostCommand == 0) {
      outpostCommand = (byte) (OutpostCommands.isCommand(sql) ? 1 : -1);
    }
    return outpostCommand > 0;
  }

  boolean isUnnamed() {
    return digest.isEmpty();
  }

  boolean sameDefinition(ClientStatement other) {
    return sql.equals(other.sql) && Arrays.equals(parameterTypes, other.parameterTypes);
  }

  static String digest(String sql, int[] types) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(sql.getBytes(StandardCharsets.UTF_8));
      for (int t : types) {
        md.update((byte) 0);
        md.update((byte) (t >>> 24));
        md.update((byte) (t >>> 16));
        md.update((byte) (t >>> 8));
        md.update((byte) t);
      }
      return "outpost_" + HexFormat.of().formatHex(md.digest(), 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
