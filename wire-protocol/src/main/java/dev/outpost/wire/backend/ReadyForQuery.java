package dev.outpost.wire.backend;

import dev.outpost.wire.BackendType;
import dev.outpost.wire.PgWireException;
import dev.outpost.wire.Sqlstate;
import io.netty.buffer.ByteBuf;

/**
 * The server is ready for a new request; carries the transaction status.
 *
 * <pre>'Z' int32 5, Byte1 status ('I' idle, 'T' in transaction, 'E' failed transaction)</pre>
 */
public enum ReadyForQuery implements BackendMessage {
  IDLE('I'),
  IN_TRANSACTION('T'),
  FAILED_TRANSACTION('E');

  private final byte status;

  ReadyForQuery(char status) {
    this.status = (byte) status;
  }

  public byte status() {
    return status;
  }

  public static ReadyForQuery of(byte status) {
    switch (status) {
      case 'I':
        return IDLE;
      case 'T':
        return IN_TRANSACTION;
      case 'E':
        return FAILED_TRANSACTION;
      default:
        throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION, "invalid transaction status " + (char) status);
    }
  }

  public static ReadyForQuery decode(ByteBuf body) {
    if (body.readableBytes() != 1) {
      throw new PgWireException(Sqlstate.PROTOCOL_VIOLATION, "invalid ReadyForQuery message");
    }
    return of(body.readByte());
  }

  @Override
  public void encodeTo(ByteBuf out) {
    out.writeByte(BackendType.READY_FOR_QUERY.code());
    out.writeInt(5);
    out.writeByte(status);
  }
}
