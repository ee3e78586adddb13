package dev.outpost.wire.backend;

import dev.outpost.wire.BackendType;
import dev.outpost.wire.PgBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A row in text format, for results Outpost produces itself (the admin console). Rows from the
 * origin pass through as raw bytes.
 *
 * <pre>'D' int32 len, int16 n, n × (int32 len (-1 = NULL), byte[len])</pre>
 */
public record DataRow(List<String> values) implements BackendMessage {
  public DataRow {
    values = Collections.unmodifiableList(new ArrayList<>(values));
  }

  /** Decodes a text-format row (null elements are SQL NULL). */
  public static DataRow decodeText(ByteBuf body) {
    int n = body.readUnsignedShort();
    List<String> values = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int len = body.readInt();
      if (len < 0) {
        values.add(null);
      } else {
        values.add(body.readCharSequence(len, java.nio.charset.StandardCharsets.UTF_8).toString());
      }
    }
    return new DataRow(values);
  }

  @Override
  public void encodeTo(ByteBuf out) {
    int start = PgBuf.beginMessage(out, BackendType.DATA_ROW.code());
    out.writeShort(values.size());
    for (String v : values) {
      if (v == null) {
        out.writeInt(-1);
      } else {
        int lenAt = out.writerIndex();
        out.writeInt(0);
        int n = ByteBufUtil.writeUtf8(out, v);
        out.setInt(lenAt, n);
      }
    }
    PgBuf.endMessage(out, start);
  }
}
