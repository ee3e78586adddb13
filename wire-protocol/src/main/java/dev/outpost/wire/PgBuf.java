package dev.outpost.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/**
 * Small helpers for the protocol's primitive types: NUL-terminated strings and length-prefixed
 * messages. All strings are UTF-8 (Outpost requires {@code client_encoding} compatible with the
 * origin's and never transcodes).
 */
public final class PgBuf {
  private PgBuf() {}

  /**
   * Reads a NUL-terminated string at the reader index and moves past the NUL.
   *
   * @throws PgWireException 08P01 when no NUL is found before the end of the buffer
   */
  public static String readCString(ByteBuf buf) {
    int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0);
    if (end < 0) {
      throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION, "invalid message format: string is not terminated");
    }
    String s = buf.toString(buf.readerIndex(), end - buf.readerIndex(), StandardCharsets.UTF_8);
    buf.readerIndex(end + 1);
    return s;
  }

  /** Skips a NUL-terminated string. */
  public static void skipCString(ByteBuf buf) {
    int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0);
    if (end < 0) {
      throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION, "invalid message format: string is not terminated");
    }
    buf.readerIndex(end + 1);
  }

  /** Writes {@code s} as UTF-8 followed by a NUL. */
  public static void writeCString(ByteBuf buf, String s) {
    ByteBufUtil.writeUtf8(buf, s);
    buf.writeByte(0);
  }

  /** Number of bytes {@code s} takes as a NUL-terminated UTF-8 string. */
  public static int cStringLength(String s) {
    return ByteBufUtil.utf8Bytes(s) + 1;
  }

  /**
   * Starts a typed message: writes the type byte and a length placeholder; finish with {@link
   * #endMessage(ByteBuf, int)} passing the returned start index.
   */
  public static int beginMessage(ByteBuf buf, byte type) {
    int start = buf.writerIndex();
    buf.writeByte(type);
    buf.writeInt(0);
    return start;
  }

  /** Fills in the length of the message started at {@code start}. */
  public static void endMessage(ByteBuf buf, int start) {
    buf.setInt(start + 1, buf.writerIndex() - start - 1);
  }

  /** A buffer holding one message with an empty body, e.g. {@code Sync} or {@code BindComplete}. */
  public static ByteBuf emptyMessage(ByteBufAllocator alloc, byte type) {
    ByteBuf buf = alloc.buffer(5);
    buf.writeByte(type);
    buf.writeInt(4);
    return buf;
  }

  /** Copies the readable bytes into a new array without moving the reader index. */
  public static byte[] toBytes(ByteBuf buf) {
    return ByteBufUtil.getBytes(buf);
  }
}
