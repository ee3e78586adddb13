package dev.outpost.wire.backend;

import dev.outpost.wire.BackendType;
import dev.outpost.wire.PgBuf;
import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * The server speaks an older minor version than the client asked for, or does not know some of
 * its {@code _pq_.} options.
 *
 * <pre>'v' int32 len, int32 newestMinorSupported, int32 n, String[n] unrecognizedOptions</pre>
 */
public record NegotiateProtocolVersion(int newestMinor, List<String> unrecognizedOptions)
    implements BackendMessage {
  public NegotiateProtocolVersion {
    unrecognizedOptions = List.copyOf(unrecognizedOptions);
  }

  public static NegotiateProtocolVersion decode(ByteBuf body) {
    int minor = body.readInt();
    int n = body.readInt();
    String[] opts = new String[n];
    for (int i = 0; i < n; i++) {
      opts[i] = PgBuf.readCString(body);
    }
    return new NegotiateProtocolVersion(minor, List.of(opts));
  }

  @Override
  public void encodeTo(ByteBuf out) {
    int start = PgBuf.beginMessage(out, BackendType.NEGOTIATE_PROTOCOL_VERSION.code());
    out.writeInt(newestMinor);
    out.writeInt(unrecognizedOptions.size());
    for (String o : unrecognizedOptions) {
      PgBuf.writeCString(out, o);
    }
    PgBuf.endMessage(out, start);
  }
}
