package dev.outpost.proxy;

import dev.outpost.wire.frontend.Close;
import dev.outpost.wire.frontend.Describe;
import dev.outpost.wire.frontend.Execute;
import dev.outpost.wire.frontend.Parse;
import dev.outpost.wire.frontend.Sync;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.io.ByteArrayOutputStream;

/** Builds raw protocol batches for tests, with the wire module's own encoders. */
final class Wire {
  private Wire() {}

  private static final ByteBufAllocator A = ByteBufAllocator.DEFAULT;

  /** {@code Parse("") Bind("", "", no params, one result format) [Describe portal] Execute Sync}. */
  static byte[] extended(String sql, boolean describe, short resultFormat) {
    return extended(sql, describe, new byte[0][], resultFormat);
  }

  /** The same with text-format parameter values. */
  static byte[] extended(String sql, boolean describe, byte[][] params, short resultFormat) {
    return extended(sql, describe, params, (short) 0, resultFormat);
  }

  /** The same with one format code for every parameter value. */
  static byte[] extended(String sql, boolean describe, byte[][] params, short paramFormat, short resultFormat) {
    return extended(sql, describe, params, paramFormat, resultFormat, 0);
  }

  /** The same with a row limit on the Execute (0: all rows), as asyncpg's fetchrow() sends 1. */
  static byte[] extended(String sql, boolean describe, byte[][] params, short paramFormat, short resultFormat,
      int rowLimit) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    add(out, new Parse("", sql, new int[0]).encode(A));
    ByteBuf bind = A.buffer();
    bind.writeByte('B').writeInt(0).writeByte(0).writeByte(0).writeShort(1).writeShort(paramFormat)
        .writeShort(params.length);
    for (byte[] p : params) {
      if (p == null) {
        bind.writeInt(-1);
      } else {
        bind.writeInt(p.length).writeBytes(p);
      }
    }
    bind.writeShort(1).writeShort(resultFormat);
    bind.setInt(1, bind.readableBytes() - 1);
    add(out, bind);
    if (describe) {
      add(out, new Describe(Describe.PORTAL, "").encode(A));
    }
    add(out, new Execute("", rowLimit).encode(A));
    add(out, Sync.INSTANCE.encode(A));
    return out.toByteArray();
  }

  /** One message each: what a test sends message by message (libpq's own sequences, say). */
  static byte[] parse(String statement, String sql) {
    return bytes(new Parse(statement, sql, new int[0]).encode(A));
  }

  /** Bind with no parameters and text results. */
  static byte[] bind(String portal, String statement) {
    ByteBuf bind = A.buffer();
    bind.writeByte('B').writeInt(0);
    ByteBufUtil.writeUtf8(bind, portal);
    bind.writeByte(0);
    ByteBufUtil.writeUtf8(bind, statement);
    bind.writeByte(0).writeShort(0).writeShort(0).writeShort(0);
    bind.setInt(1, bind.readableBytes() - 1);
    return bytes(bind);
  }

  static byte[] describeStatement(String statement) {
    return bytes(new Describe(Describe.STATEMENT, statement).encode(A));
  }

  static byte[] describePortal(String portal) {
    return bytes(new Describe(Describe.PORTAL, portal).encode(A));
  }

  static byte[] execute(String portal) {
    return bytes(new Execute(portal, 0).encode(A));
  }

  static byte[] closePortal(String portal) {
    return bytes(new Close(Close.PORTAL, portal).encode(A));
  }

  static byte[] closeStatement(String statement) {
    return bytes(new Close(Close.STATEMENT, statement).encode(A));
  }

  /** {@code request}, which ends with a Sync, with a Close of the unnamed portal before that Sync (as r2dbc sends). */
  static byte[] closingPortalBeforeSync(byte[] request) {
    byte[] sync = sync();
    if (!java.util.Arrays.equals(request, request.length - sync.length, request.length, sync, 0, sync.length)) {
      throw new IllegalArgumentException("the request does not end with a Sync");
    }
    return concat(java.util.Arrays.copyOf(request, request.length - sync.length), closePortal(""), sync);
  }

  static byte[] sync() {
    return bytes(Sync.INSTANCE.encode(A));
  }

  /** Messages in one batch. */
  static byte[] concat(byte[]... messages) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] m : messages) {
      out.writeBytes(m);
    }
    return out.toByteArray();
  }

  private static byte[] bytes(ByteBuf b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    add(out, b);
    return out.toByteArray();
  }

  private static void add(ByteArrayOutputStream out, ByteBuf b) {
    try {
      out.writeBytes(ByteBufUtil.getBytes(b));
    } finally {
      b.release();
    }
  }
}
