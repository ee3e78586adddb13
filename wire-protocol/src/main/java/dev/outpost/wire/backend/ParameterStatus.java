package dev.outpost.wire.backend;

import dev.outpost.wire.BackendType;
import dev.outpost.wire.PgBuf;
import io.netty.buffer.ByteBuf;
import java.util.Objects;

/**
 * A run-time parameter reported to the client.
 *
 * <pre>'S' int32 len, String name, String value</pre>
 */
public record ParameterStatus(String name, String value) implements BackendMessage {
  public ParameterStatus {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
  }

  public static ParameterStatus decode(ByteBuf body) {
    return new ParameterStatus(PgBuf.readCString(body), PgBuf.readCString(body));
  }

  @Override
  public void encodeTo(ByteBuf out) {
    int start = PgBuf.beginMessage(out, BackendType.PARAMETER_STATUS.code());
    PgBuf.writeCString(out, name);
    PgBuf.writeCString(out, value);
    PgBuf.endMessage(out, start);
  }
}
