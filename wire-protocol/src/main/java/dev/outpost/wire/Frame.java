package dev.outpost.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import java.util.function.Function;

/**
 * One complete protocol message as it travelled on the wire: the type byte, the int32 length and
 * the body. Frames are how messages pass through Outpost untouched; typed messages are decoded
 * from a frame only when Outpost must act on them.
 *
 * <pre>
 * +------+-----------------+----------------------+
 * | type | length (int32)  | body (length - 4)    |
 * +------+-----------------+----------------------+
 * </pre>
 *
 * <p>Ownership follows Netty's rule: whoever holds a frame forwards it or releases it.
 */
public final class Frame extends DefaultByteBufHolder {
  /** Bytes of the type byte plus the length field. */
  public static final int HEADER_LENGTH = 5;

  /** Read once: every stage of a request asks for it, and the content never changes. */
  private final byte type;
  /** {@link #firstString()}, once decoded. */
  private String firstString;
  /** The last result of {@link #decoded}. */
  private Object decoded;

  public Frame(ByteBuf wholeMessage) {
    super(wholeMessage);
    this.type = wholeMessage.isReadable() ? wholeMessage.getByte(wholeMessage.readerIndex()) : 0;
  }

  /** The message type byte. */
  public byte type() {
    return type;
  }

  /** The message length as the wire gives it (body plus the four length bytes). */
  public int length() {
    return content().getInt(content().readerIndex() + 1);
  }

  /** A slice of the body that shares this frame's memory and reference count (not retained). */
  public ByteBuf body() {
    ByteBuf c = content();
    return c.slice(c.readerIndex() + HEADER_LENGTH, c.readableBytes() - HEADER_LENGTH);
  }

  /**
   * The body's first NUL-terminated string — a Query's text, a Parse's or Bind's first name —
   * decoded once however many stages of a request ask for it.
   *
   * @throws PgWireException when the body has no NUL
   */
  public String firstString() {
    String s = firstString;
    if (s == null) {
      s = PgBuf.readCString(body());
      firstString = s;
    }
    return s;
  }

  /**
   * The body decoded by {@code decoder} into a {@code type}, decoded once however many stages of
   * a request ask for it. Only for immutable results that keep no reference into the frame's
   * memory (they may outlive the frame). A decoder's exception is thrown each time it is asked.
   */
  public <T> T decoded(Class<T> type, Function<ByteBuf, T> decoder) {
    Object d = decoded;
    if (type.isInstance(d)) {
      return type.cast(d);
    }
    T t = decoder.apply(body());
    decoded = t;
    return t;
  }

  /** Total size on the wire. */
  public int size() {
    return content().readableBytes();
  }

  @Override
  public Frame replace(ByteBuf content) {
    return new Frame(content);
  }

  @Override
  public Frame retain() {
    super.retain();
    return this;
  }

  @Override
  public Frame retainedDuplicate() {
    return replace(content().retainedDuplicate());
  }

  @Override
  public String toString() {
    return "Frame(" + (char) type() + ", " + size() + " bytes)";
  }
}
