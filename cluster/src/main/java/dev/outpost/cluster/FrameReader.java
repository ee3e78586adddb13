package dev.outpost.cluster;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Reads what {@link FrameWriter} wrote, checking every length against the bytes that remain: a
 * count or length that does not fit fails with {@link MalformedFrameException} before anything is
 * allocated, so a hostile or corrupt frame can never make the reader allocate more than the
 * frame's own size. Strings must be valid UTF-8.
 */
final class FrameReader {

  private final byte[] buf;
  private final int limit;
  private int pos;

  FrameReader(byte[] buf, int offset, int length) {
    this.buf = buf;
    this.pos = offset;
    this.limit = offset + length;
  }

  int position() {
    return pos;
  }

  int remaining() {
    return limit - pos;
  }

  /** A copy of the bytes not read yet (the reader does not move). */
  byte[] copyRemaining() {
    return Arrays.copyOfRange(buf, pos, limit);
  }

  int readByte() throws MalformedFrameException {
    need(1);
    return buf[pos++] & 0xff;
  }

  boolean readBoolean() throws MalformedFrameException {
    int b = readByte();
    if (b > 1) {
      throw new MalformedFrameException("boolean byte " + b);
    }
    return b == 1;
  }

  short readShort() throws MalformedFrameException {
    need(2);
    int v = (buf[pos] & 0xff) << 8 | (buf[pos + 1] & 0xff);
    pos += 2;
    return (short) v;
  }

  int readInt() throws MalformedFrameException {
    need(4);
    int v = 0;
    for (int i = 0; i < 4; i++) {
      v = v << 8 | (buf[pos++] & 0xff);
    }
    return v;
  }

  long readLong() throws MalformedFrameException {
    need(8);
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = v << 8 | (buf[pos++] & 0xff);
    }
    return v;
  }

  /** A length-prefixed array, or null for length -1. */
  byte[] readBytes() throws MalformedFrameException {
    int len = readInt();
    if (len == -1) {
      return null;
    }
    if (len < 0) {
      throw new MalformedFrameException("negative length " + len);
    }
    need(len);
    byte[] out = Arrays.copyOfRange(buf, pos, pos + len);
    pos += len;
    return out;
  }

  String readString() throws MalformedFrameException {
    int len = readInt();
    if (len < 0) {
      throw new MalformedFrameException("string length " + len);
    }
    need(len);
    try {
      String s = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(buf, pos, len))
          .toString();
      pos += len;
      return s;
    } catch (CharacterCodingException e) {
      throw new MalformedFrameException("string is not UTF-8");
    }
  }

  /**
   * A count of elements that each take at least {@code minElementBytes}: rejected if negative or if
   * that many could not fit in what remains.
   */
  int readCount(int minElementBytes) throws MalformedFrameException {
    int n = readInt();
    if (n < 0 || (long) n * minElementBytes > remaining()) {
      throw new MalformedFrameException("count " + n + " does not fit in " + remaining() + " bytes");
    }
    return n;
  }

  /** Fails unless every byte was read: trailing garbage means a writer we do not understand. */
  void expectEnd() throws MalformedFrameException {
    if (pos != limit) {
      throw new MalformedFrameException((limit - pos) + " unexpected trailing bytes");
    }
  }

  private void need(int n) throws MalformedFrameException {
    if (n > limit - pos) {
      throw new MalformedFrameException("truncated: needs " + n + " bytes, " + (limit - pos) + " left");
    }
  }
}
