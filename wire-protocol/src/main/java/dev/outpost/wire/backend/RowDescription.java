package dev.outpost.wire.backend;

import dev.outpost.wire.BackendType;
import dev.outpost.wire.PgBuf;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
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

  /** The {@link #columnsDigest} of a NoData: a statement that returns no rows. */
  public static final long NO_DATA_DIGEST = 0x4e6f44617461L; // "NoData"

  /**
   * A 64-bit digest of the result columns an encoded message (type byte, length and body, from
   * its position to its limit; the position is not moved) describes, a RowDescription or a NoData:
   * names, table OIDs and column numbers, types, sizes and modifiers, but not the format codes (a
   * statement's Describe gives 0 for all, a portal's the formats of its Bind). Two descriptions of
   * the same columns have the same digest; of other columns, another one but with a chance of
   * 2^-64. 0 when the message is neither, or truncated.
   */
  public static long columnsDigest(ByteBuffer m) {
    int n = m.remaining();
    int p = m.position();
    if (n < 5) {
      return 0;
    }
    byte type = m.get(p);
    if (type == BackendType.NO_DATA.code()) {
      return n == 5 ? NO_DATA_DIGEST : 0;
    }
    if (type != BackendType.ROW_DESCRIPTION.code() || n < 7) {
      return 0;
    }
    int columns = m.getShort(p + 5);
    long h = 0xcbf29ce484222325L ^ columns;
    int at = 7;
    for (int c = 0; c < columns; c++) {
      int nameEnd = at;
      while (nameEnd < n && m.get(p + nameEnd) != 0) {
        nameEnd++;
      }
      int formatAt = nameEnd + 1 + 4 + 2 + 4 + 2 + 4;
      if (formatAt + 2 > n) {
        return 0;
      }
      for (int i = at; i < formatAt; i++) {
        h = (h ^ (m.get(p + i) & 0xff)) * 0x100000001b3L;
      }
      at = formatAt + 2;
    }
    if (at != n) {
      return 0;
    }
    // FNV-1a spreads a difference poorly over the high bits: finish with MurmurHash3's mixer
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h == 0 ? 1 : h;
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
