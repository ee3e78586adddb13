package dev.outpost.wire.backend;

import dev.outpost.wire.BackendType;
import io.netty.buffer.ByteBuf;

/**
 * The parameter types of a prepared statement, answering Describe of a statement.
 *
 * <pre>'t' int32 len, int16 n, int32[n] typeOids</pre>
 */
public record ParameterDescription(int[] typeOids) implements BackendMessage {
  public ParameterDescription {
    typeOids = typeOids.clone();
  }

  @Override
  public int[] typeOids() {
    return typeOids.clone();
  }

  @Override
  public void encodeTo(ByteBuf out) {
    out.writeByte(BackendType.PARAMETER_DESCRIPTION.code());
    out.writeInt(4 + 2 + 4 * typeOids.length);
    out.writeShort(typeOids.length);
    for (int t : typeOids) {
      out.writeInt(t);
    }
  }
}
