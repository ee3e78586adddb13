package dev.outpost.wire.backend;

import dev.outpost.wire.BackendType;
import dev.outpost.wire.PgWireException;
import dev.outpost.wire.Sqlstate;
import io.netty.buffer.ByteBuf;

/**
 * The key a client needs to cancel its query. The secret is 4 bytes in protocol 3.0 and up to
 * 256 bytes in 3.2.
 *
 * <pre>'K' int32 len, int32 processId, byte[len - 8] secretKey</pre>
 */
public record BackendKeyData(int processId, byte[] secretKey) implements BackendMessage {
  public BackendKeyData {
    secretKey = secretKey.clone();
  }

  public static BackendKeyData decode(ByteBuf body) {
    if (body.readableBytes() < 8) {
      throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION, "invalid BackendKeyData: too short");
    }
    int pid = body.readInt();
    byte[] secret = new byte[body.readableBytes()];
    body.readBytes(secret);
    return new BackendKeyData(pid, secret);
  }

  @Override
  public byte[] secretKey() {
    return secretKey.clone();
  }

  @Override
  public void encodeTo(ByteBuf out) {
    out.writeByte(BackendType.BACKEND_KEY_DATA.code());
    out.writeInt(8 + secretKey.length);
    out.writeInt(processId);
    out.writeBytes(secretKey);
  }

  @Override
  public String toString() {
    return "BackendKeyData[pid=" + processId + "]";
  }
}
