package dev.outpost.wire.backend;

import dev.outpost.wire.BackendType;
import dev.outpost.wire.PgBuf;
import io.netty.buffer.ByteBuf;
import java.util.Objects;

/**
 * A statement finished; the tag names it ({@code SELECT 3}, {@code INSERT 0 1}, {@code SET}).
 *
 * <pre>'C' int32 len, String tag</pre>
 */
public record CommandComplete(String tag) implements BackendMessage {
  public CommandComplete {
    Objects.requireNonNull(tag, "tag");
  }

  public static CommandComplete decode(ByteBuf body) {
    return new CommandComplete(PgBuf.readCString(body));
  }

  /** The first word of the tag, e.g. {@code INSERT} for {@code INSERT 0 1}. */
  public String command() {
    int sp = tag.indexOf(' ');
    return sp < 0 ? tag : tag.substring(0, sp);
  }

  @Override
  public void encodeTo(ByteBuf out) {
    int start = PgBuf.beginMessage(out, BackendType.COMMAND_COMPLETE.code());
    PgBuf.writeCString(out, tag);
    PgBuf.endMessage(out, start);
  }
}
