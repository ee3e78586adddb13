package dev.outpost.wire.frontend;

import dev.outpost.wire.FrontendType;
import dev.outpost.wire.PgBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A cleartext or MD5-hashed password ({@code 'p'} in answer to AuthenticationCleartextPassword or
 * AuthenticationMD5Password). {@link #toString()} never shows the password.
 *
 * <pre>'p' int32 len, String password</pre>
 */
public record PasswordMessage(String password) implements FrontendMessage {
  public static PasswordMessage decode(ByteBuf body) {
    return new PasswordMessage(PgBuf.readCString(body));
  }

  @Override
  public ByteBuf encode(ByteBufAllocator alloc) {
    ByteBuf buf = alloc.buffer(5 + PgBuf.cStringLength(password));
    int start = PgBuf.beginMessage(buf, FrontendType.PASSWORD.code());
    PgBuf.writeCString(buf, password);
    PgBuf.endMessage(buf, start);
    return buf;
  }

  @Override
  public String toString() {
    return "PasswordMessage[***]";
  }
}
