package dev.outpost.cluster;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Appends big-endian primitives, length-prefixed byte arrays and UTF-8 strings to a growable
 * array. Not thread-safe; one writer per frame.
 */
final class FrameWriter {

  private byte[] buf;
  private int size;

  FrameWriter(int initialCapacity) {
    this.buf = new byte[Math.max(16, initialCapacity)];
  }

  FrameWriter writeByte(int b) {
    ensure(1);
    buf[size++] = (byte) b;
    return this;
  }

  FrameWriter writeBoolean(boolean b) {
    return writeByte(b ? 1 : 0);
  }

  FrameWriter writeShort(short s) {
    ensure(2);
    buf[size++] = (byte) (s >>> 8);
    buf[size++] = (byte) s;
    return this;
  }

  FrameWriter writeInt(int v) {
    ensure(4);
    for (int shift = 24; shift >= 0; shift -= 8) {
      buf[size++] = (byte) (v >>> shift);
    }
    return this;
  }

  FrameWriter writeLong(long v) {
    ensure(8);
    for (int shift = 56; shift >= 0; shift -= 8) {
      buf[size++] = (byte) (v >>> shift);
    }
    return this;
  }

  /** A length-prefixed array; null is written as length -1. */
  FrameWriter writeBytes(byte[] bytes) {
    if (bytes == null) {
      return writeInt(-1);
    }
    writeInt(bytes.length);
    return writeRaw(bytes, 0, bytes.length);
  }

  /** A length-prefixed copy of the buffer's remaining bytes (its position is left alone); null as -1. */
  FrameWriter writeBuffer(java.nio.ByteBuffer view) {
    if (view == null) {
      return writeInt(-1);
    }
    int length = view.remaining();
    writeInt(length);
    ensure(length);
    view.duplicate().get(buf, size, length);
    size += length;
    return this;
  }

  FrameWriter writeRaw(byte[] bytes, int offset, int length) {
    ensure(length);
    System.arraycopy(bytes, offset, buf, size, length);
    size += length;
    return this;
  }

  /** A length-prefixed UTF-8 string (never null). */
  FrameWriter writeString(String s) {
    return writeBytes(s.getBytes(StandardCharsets.UTF_8));
  }

  int size() {
    return size;
  }

  /** The bytes written so far, in an array of exactly that length. */
  byte[] toByteArray() {
    return size == buf.length ? buf : Arrays.copyOf(buf, size);
  }

  private void ensure(int more) {
    long needed = (long) size + more;
    if (needed > buf.length) {
      if (needed > Integer.MAX_VALUE - 8) {
        throw new IllegalStateException("frame larger than 2 GiB");
      }
      buf = Arrays.copyOf(buf, (int) Math.max(needed, Math.min(Integer.MAX_VALUE - 8L, buf.length * 2L)));
    }
  }
}
