package dev.outpost.wire.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** {@link RowDescription#columnsDigest}: the same result columns, whatever their format codes. */
class RowDescriptionColumnsTest {
  /** One column as the origin describes it: name, table OID, column number, type, size, modifier, format. */
  private record Col(String name, int table, int attnum, int type, int size, int typmod, int format) {}

  private static ByteBuffer rowDescription(Col... cols) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(body);
    out.writeShort(cols.length);
    for (Col c : cols) {
      out.write(c.name().getBytes(StandardCharsets.UTF_8));
      out.write(0);
      out.writeInt(c.table());
      out.writeShort(c.attnum());
      out.writeInt(c.type());
      out.writeShort(c.size());
      out.writeInt(c.typmod());
      out.writeShort(c.format());
    }
    return message('T', body.toByteArray());
  }

  private static ByteBuffer message(char type, byte[] body) {
    ByteBuffer b = ByteBuffer.allocate(5 + body.length);
    b.put((byte) type).putInt(4 + body.length).put(body).flip();
    return b;
  }

  /** Whether the two describe the same columns, as the digests tell. */
  private static boolean same(ByteBuffer a, ByteBuffer b) {
    long da = RowDescription.columnsDigest(a);
    return da != 0 && da == RowDescription.columnsDigest(b);
  }

  private static final Col ID = new Col("id", 16384, 1, 23, 4, -1, 0);
  private static final Col A = new Col("a", 16384, 2, 25, -1, -1, 0);
  private static final Col B = new Col("b", 16384, 3, 25, -1, -1, 0);

  @Test
  void sameColumns_differentFormatCodesOnly_areTheSame() throws IOException {
    ByteBuffer statement = rowDescription(ID, A, B);
    ByteBuffer portal = rowDescription(new Col("id", 16384, 1, 23, 4, -1, 1), A, new Col("b", 16384, 3, 25, -1, -1, 1));

    assertThat(same(statement, portal)).isTrue();
    assertThat(statement.position()).as("positions untouched").isZero();
  }

  @Test
  void sameColumns_anyOtherDifference_isNotTheSame() throws IOException {
    ByteBuffer before = rowDescription(ID, A, B);

    assertThat(same(before, rowDescription(ID, B, A))).as("columns swapped").isFalse();
    assertThat(same(before, rowDescription(ID, new Col("b", 16384, 3, 25, -1, -1, 0),
        new Col("a", 16384, 4, 25, -1, -1, 0)))).as("a dropped and added again: same names, other order").isFalse();
    assertThat(same(before, rowDescription(ID, A, new Col("b", 16384, 3, 20, 8, -1, 0))))
        .as("another type").isFalse();
    assertThat(same(before, rowDescription(ID, A, new Col("b", 16384, 3, 25, -1, 24, 0))))
        .as("another modifier").isFalse();
    assertThat(same(before, rowDescription(ID, A, new Col("b", 16385, 3, 25, -1, -1, 0))))
        .as("another table").isFalse();
    assertThat(same(before, rowDescription(ID, A))).as("a column fewer").isFalse();
    assertThat(same(before, rowDescription(ID, A, new Col("c", 16384, 3, 25, -1, -1, 0))))
        .as("another name").isFalse();
  }

  @Test
  void columnsDigest_ofWhatIsNotAWellFormedDescription_isZero() throws IOException {
    ByteBuffer rows = rowDescription(ID, A);
    byte[] whole = Arrays.copyOf(rows.array(), rows.remaining());
    assertThat(RowDescription.columnsDigest(ByteBuffer.wrap(Arrays.copyOf(whole, whole.length - 4)))).isZero();
    assertThat(RowDescription.columnsDigest(message('D', new byte[] {0, 0}))).isZero();
    assertThat(RowDescription.columnsDigest(rows)).isNotZero();
    assertThat(RowDescription.columnsDigest(message('n', new byte[0]))).isNotZero();
  }

  @Test
  void sameColumns_noData_onlyMatchesNoData_andMalformedNeverMatches() throws IOException {
    ByteBuffer noData = message('n', new byte[0]);
    ByteBuffer rows = rowDescription(ID);

    assertThat(same(noData, message('n', new byte[0]))).isTrue();
    assertThat(same(noData, rows)).isFalse();
    byte[] whole = Arrays.copyOf(rows.array(), rows.remaining());
    whole[whole.length - 3] = 7; // the last column's modifier: now a different message of the same length
    assertThat(same(rows, ByteBuffer.wrap(whole))).isFalse();
    ByteBuffer truncated = ByteBuffer.wrap(Arrays.copyOf(whole, whole.length - 4));
    ByteBuffer truncatedToo = ByteBuffer.wrap(Arrays.copyOf(whole, whole.length - 4));
    assertThat(same(truncated, truncatedToo)).as("a truncated message").isFalse();
    assertThat(same(message('D', new byte[] {0, 0}), message('D', new byte[] {0, 0})))
        .as("not a description").isFalse();
  }
}
