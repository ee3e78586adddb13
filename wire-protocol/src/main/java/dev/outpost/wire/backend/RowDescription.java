package dev.outpost.wire.backend;

import dev.outpost.wire.BackendType;
import dev.outpost.wire.PgBuf;
import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * Column descriptions of a result. Outpost builds these only for rows it produces itself (the
 * admin console); results from the origin pass through as raw bytes.
 *
 * <pre>'T' int32 len, int16 n, n × (String name, int32 tableOid, int16 column, int32 typeOid,
 *                                   int16 typeSize, int32 typeModifier, int16 format)</pre>
 */
public record RowDescription(List<Column> columns) implements BackendMessage {
  /** Type OID of {@code text}. */
  public static final int TEXT_OID = 25;
  /** Type OID of {@code int8}. */
  public static final int INT8_OID = 20;
  /** Type OID of {@code float8}. */
  public static final int FLOAT8_OID = 701;

  /** One column. */
  public record Column(String name, int typeOid, short typeSize) {}

  public RowDescription {
    columns = List.copyOf(columns);
  }

  /** All columns of type text. */
  public static RowDescription text(List<String> names) {
    return new RowDescription(names.stream().map(n -> new Column(n, TEXT_OID, (short) -1)).toList());
  }

  @Override
  public void encodeTo(ByteBuf out) {
    int start = PgBuf.beginMessage(out, BackendType.ROW_DESCRIPTION.code());
    out.writeShort(columns.size());
    for (Column c : columns) {
      PgBuf.writeCString(out, c.name());
      out.writeInt(0);
      out.writeShort(0);
      out.writeInt(c.typeOid());
      out.writeShort(c.typeSize());
      out.writeInt(-1);
      out.writeShort(0);
    }
    PgBuf.endMessage(out, start);
  }
}
