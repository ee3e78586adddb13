package dev.outpost.wire.frontend;

import dev.outpost.wire.FrontendType;
import dev.outpost.wire.PgBuf;
import dev.outpost.wire.PgWireException;
import dev.outpost.wire.Sqlstate;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.DefaultByteBufHolder;
import java.util.Objects;

/**
 * Extended-protocol Bind. The names are decoded; the rest (formats, values, result formats) stays
 * in a retained slice of the client's bytes, so that forwarding a Bind under another statement
 * name copies no parameter value, and the parts are decoded only when asked for.
 *
 * <pre>
 * 'B' int32 len, String portal, String statement,
 *     int16 nf, int16[nf] parameterFormats,
 *     int16 np, np × (int32 len (-1 = NULL), byte[len]),
 *     int16 nr, int16[nr] resultFormats
 * </pre>
 */
public final class Bind extends DefaultByteBufHolder implements FrontendMessage {
  private final String portal;
  private final String statement;

  /** @param tail the bytes after the statement name; ownership passes to the Bind */
  public Bind(String portal, String statement, ByteBuf tail) {
    super(tail);
    this.portal = Objects.requireNonNull(portal, "portal");
    this.statement = Objects.requireNonNull(statement, "statement");
  }

  /**
   * Decodes a Bind, taking a retained slice of {@code body} for the tail. The layout is validated
   * here so that later accessors cannot fail.
   */
  public static Bind decode(ByteBuf body) {
    String portal = PgBuf.readCString(body);
    String statement = PgBuf.readCString(body);
    validateTail(body);
    return new Bind(portal, statement, body.readRetainedSlice(body.readableBytes()));
  }

  /** Checks the formats and values that follow the names, by index (the reader does not move). */
  private static void validateTail(ByteBuf t) {
    int at = t.readerIndex();
    int end = t.writerIndex();
    int nf = readCount(t, at, end, "parameter format count");
    at += 2;
    need(at, end, 2L * nf, "parameter formats");
    at += 2 * nf;
    int np = readCount(t, at, end, "parameter count");
    at += 2;
    if (nf > 1 && nf != np) {
      throw invalid("parameter format count " + nf + " does not match parameter count " + np);
    }
    for (int i = 0; i < np; i++) {
      need(at, end, 4, "parameter length");
      int len = t.getInt(at);
      at += 4;
      if (len < -1) {
        throw invalid("negative parameter length " + len);
      }
      if (len > 0) {
        need(at, end, len, "parameter value");
        at += len;
      }
    }
    int nr = readCount(t, at, end, "result format count");
    at += 2;
    need(at, end, 2L * nr, "result formats");
    at += 2 * nr;
    if (at != end) {
      throw invalid("trailing bytes after result formats");
    }
  }

  private static int readCount(ByteBuf t, int at, int end, String what) {
    need(at, end, 2, what);
    return t.getUnsignedShort(at);
  }

  private static void need(int at, int end, long n, String what) {
    if (end - at < n) {
      throw invalid("message ends inside " + what);
    }
  }

  private static PgWireException invalid(String why) {
    return new PgWireException(Sqlstate.PROTOCOL_VIOLATION, "invalid Bind message: " + why);
  }

  public String portal() {
    return portal;
  }

  public String statement() {
    return statement;
  }

  /** The bytes after the statement name (formats, values, result formats); not retained. */
  public ByteBuf tail() {
    return content();
  }

  /** Parameter format codes as sent (0, 1 or n entries). */
  public short[] parameterFormats() {
    ByteBuf t = content().duplicate();
    return readShorts(t);
  }

  /** Parameter values; a null element is SQL NULL. */
  public byte[][] parameterValues() {
    ByteBuf t = content().duplicate();
    int nf = t.readUnsignedShort();
    t.skipBytes(2 * nf);
    int np = t.readUnsignedShort();
    byte[][] values = new byte[np][];
    for (int i = 0; i < np; i++) {
      int len = t.readInt();
      if (len >= 0) {
        values[i] = new byte[len];
        t.readBytes(values[i]);
      }
    }
    return values;
  }

  /** Result column format codes as sent (0, 1 or n entries). */
  public short[] resultFormats() {
    ByteBuf t = content().duplicate();
    int nf = t.readUnsignedShort();
    t.skipBytes(2 * nf);
    int np = t.readUnsignedShort();
    for (int i = 0; i < np; i++) {
      int len = t.readInt();
      if (len > 0) {
        t.skipBytes(len);
      }
    }
    return readShorts(t);
  }

  private static short[] readShorts(ByteBuf t) {
    int n = t.readUnsignedShort();
    short[] s = new short[n];
    for (int i = 0; i < n; i++) {
      s[i] = t.readShort();
    }
    return s;
  }

  /** This Bind's tail under other names; the tail is shared (retained), not copied. */
  public Bind withNames(String portal, String statement) {
    return new Bind(portal, statement, content().retainedDuplicate());
  }

  @Override
  public ByteBuf encode(ByteBufAllocator alloc) {
    return encode(alloc, portal, statement, content());
  }

  private static ByteBuf encode(ByteBufAllocator alloc, String portal, String statement, ByteBuf tail) {
    ByteBuf buf = alloc.buffer(5 + PgBuf.cStringLength(portal) + PgBuf.cStringLength(statement)
        + tail.readableBytes());
    int start = PgBuf.beginMessage(buf, FrontendType.BIND.code());
    PgBuf.writeCString(buf, portal);
    PgBuf.writeCString(buf, statement);
    buf.writeBytes(tail, tail.readerIndex(), tail.readableBytes());
    PgBuf.endMessage(buf, start);
    return buf;
  }

  /** Tails up to this size are copied by {@link #encodeRenamed}; a composite costs more than that. */
  static final int COPY_TAIL_MAX = 4096;

  /**
   * Encodes this Bind under other names. A large tail (parameter values) is not copied: the
   * result is a composite of a new header and a retained slice of it; a small one is copied into
   * one buffer, which is cheaper to build and to write.
   */
  public ByteBuf encodeRenamed(ByteBufAllocator alloc, String newPortal, String newStatement) {
    ByteBuf tail = content();
    if (tail.readableBytes() <= COPY_TAIL_MAX) {
      return encode(alloc, newPortal, newStatement, tail);
    }
    ByteBuf head = alloc.buffer(5 + PgBuf.cStringLength(newPortal) + PgBuf.cStringLength(newStatement));
    head.writeByte(FrontendType.BIND.code());
    head.writeInt(0);
    PgBuf.writeCString(head, newPortal);
    PgBuf.writeCString(head, newStatement);
    head.setInt(1, head.readableBytes() - 1 + tail.readableBytes());
    return alloc.compositeBuffer(2).addComponents(true, head, tail.retainedSlice());
  }

  @Override
  public Bind replace(ByteBuf content) {
    return new Bind(portal, statement, content);
  }

  @Override
  public Bind retain() {
    super.retain();
    return this;
  }

  @Override
  public String toString() {
    return "Bind[portal=" + portal + ", statement=" + statement + ", tail=" + content().readableBytes()
        + " bytes]";
  }

  /** A hex dump of the tail, for tests. */
  public String tailHex() {
    return ByteBufUtil.hexDump(content());
  }
}
