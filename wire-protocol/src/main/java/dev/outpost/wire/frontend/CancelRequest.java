package dev.outpost.wire.frontend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Cancel the query running on the backend identified by {@code processId} and {@code secretKey}.
 * The secret is 4 bytes in protocol 3.0 and up to 256 bytes in 3.2.
 *
 * <pre>int32 len, int32 80877102, int32 processId, byte[len - 12] secretKey</pre>
 */
public record CancelRequest(int processId, byte[] secretKey) implements StartupPacket {
  public CancelRequest {
    secretKey = secretKey.clone();
  }

  @Override
  public byte[] secretKey() {
    return secretKey.clone();
  }

  @Override
  public ByteBuf encode(ByteBufAllocator alloc) {
    ByteBuf buf = alloc.buffer(12 + secretKey.length);
    buf.writeInt(12 + secretKey.length).writeInt(CANCEL_REQUEST_CODE).writeInt(processId).writeBytes(secretKey);
    return buf;
  }

  @Override
  public String toString() {
    return "CancelRequest[pid=" + processId + "]";
  }
}
