package dev.outpost.wire.frontend;

import dev.outpost.wire.PgBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The StartupMessage: protocol version and the connection parameters (user, database, options,
 * application_name and any run-time setting).
 *
 * <pre>int32 len, int16 major, int16 minor, (String name, String value)*, Byte1 0</pre>
 */
public record StartupMessage(int majorVersion, int minorVersion, Map<String, String> parameters)
    implements StartupPacket {
  public StartupMessage {
    parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
  }

  /** A protocol 3.0 startup message. */
  public static StartupMessage v3(Map<String, String> parameters) {
    return new StartupMessage(3, 0, parameters);
  }

  public String user() {
    return parameters.get("user");
  }

  /** The database; Postgres defaults it to the user name. */
  public String database() {
    String db = parameters.get("database");
    return db == null || db.isEmpty() ? user() : db;
  }

  @Override
  public ByteBuf encode(ByteBufAllocator alloc) {
    ByteBuf buf = alloc.buffer(256);
    int start = buf.writerIndex();
    buf.writeInt(0);
    buf.writeShort(majorVersion).writeShort(minorVersion);
    for (Map.Entry<String, String> e : parameters.entrySet()) {
      PgBuf.writeCString(buf, e.getKey());
      PgBuf.writeCString(buf, e.getValue());
    }
    buf.writeByte(0);
    buf.setInt(start, buf.writerIndex() - start);
    return buf;
  }
}
