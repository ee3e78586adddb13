package dev.outpost.wire.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.wire.PgWireException;
import dev.outpost.wire.Sqlstate;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackendMessagesTest {
  private static String hex(BackendMessage m) {
    ByteBuf b = m.encode(ByteBufAllocator.DEFAULT);
    try {
      return ByteBufUtil.hexDump(b);
    } finally {
      b.release();
    }
  }

  @Test
  void readyForQuery_andEmptyResponses_haveExactBytes() {
    assertThat(hex(ReadyForQuery.IDLE)).isEqualTo("5a0000000549");
    assertThat(hex(EmptyResponse.PARSE_COMPLETE)).isEqualTo("3100000004");
    assertThat(hex(EmptyResponse.BIND_COMPLETE)).isEqualTo("3200000004");
    assertThat(hex(EmptyResponse.NO_DATA)).isEqualTo("6e00000004");
  }

  @Test
  void authentication_roundTrips() {
    assertThat(hex(Authentication.Ok.INSTANCE)).isEqualTo("520000000800000000");
    ByteBuf b = new Authentication.Sasl(List.of("SCRAM-SHA-256")).encode(ByteBufAllocator.DEFAULT);
    assertThat(ByteBufUtil.hexDump(b)).isEqualTo("520000001700000000a".substring(0, 0)
        + "5200000017" + "0000000a" + ByteBufUtil.hexDump("SCRAM-SHA-256".getBytes()) + "00" + "00");
    Authentication back = Authentication.decode(b.skipBytes(5));
    b.release();
    assertThat(back).isEqualTo(new Authentication.Sasl(List.of("SCRAM-SHA-256")));
    ByteBuf md5 = new Authentication.Md5Password(new byte[] {1, 2, 3, 4}).encode(ByteBufAllocator.DEFAULT);
    Authentication.Md5Password m = (Authentication.Md5Password) Authentication.decode(md5.skipBytes(5));
    md5.release();
    assertThat(m.salt()).containsExactly(1, 2, 3, 4);
  }

  @Test
  void authentication_unsupportedMethod_namesIt() {
    ByteBuf b = ByteBufAllocator.DEFAULT.buffer().writeInt(7);
    try {
      Authentication.decode(b);
    } catch (PgWireException e) {
      assertThat(e.sqlstate()).isEqualTo(Sqlstate.FEATURE_NOT_SUPPORTED);
      assertThat(e).hasMessageContaining("authentication method 7");
    } finally {
      b.release();
    }
  }

  @Test
  void errorResponse_roundTrip() {
    ErrorResponse e = new ErrorResponse(ErrorFields.of("ERROR", Sqlstate.TOO_MANY_CONNECTIONS, "too many", null, "wait"));
    ByteBuf b = e.encode(ByteBufAllocator.DEFAULT);
    ErrorResponse back = ErrorResponse.decode(b.skipBytes(5));
    b.release();
    assertThat(back.fields().sqlstate()).isEqualTo("53300");
    assertThat(back.fields().message()).isEqualTo("too many");
    assertThat(back.fields().fields().get('H')).isEqualTo("wait");
    assertThat(back.fields().isFatal()).isFalse();
  }

  @Test
  void rowDescriptionAndDataRow_textColumns() {
    assertThat(hex(RowDescription.text(List.of("a")))).isEqualTo(
        "54" + "0000001a" + "0001" + "6100" + "00000000" + "0000" + "00000019" + "ffff" + "ffffffff" + "0000");
    assertThat(hex(new DataRow(Arrays.asList("7", null)))).isEqualTo("44" + "0000000f" + "0002" + "00000001" + "37" + "ffffffff");
    ByteBuf b = new DataRow(Arrays.asList("ü", null)).encode(ByteBufAllocator.DEFAULT);
    assertThat(DataRow.decodeText(b.skipBytes(5)).values()).containsExactly("ü", null);
    b.release();
  }

  @Test
  void parameterStatusAndKeyData_roundTrip() {
    ByteBuf b = new ParameterStatus("TimeZone", "UTC").encode(ByteBufAllocator.DEFAULT);
    assertThat(ParameterStatus.decode(b.skipBytes(5))).isEqualTo(new ParameterStatus("TimeZone", "UTC"));
    b.release();
    ByteBuf k = new BackendKeyData(42, new byte[] {9, 8, 7, 6}).encode(ByteBufAllocator.DEFAULT);
    assertThat(ByteBufUtil.hexDump(k)).isEqualTo("4b0000000c0000002a09080706");
    BackendKeyData kd = BackendKeyData.decode(k.skipBytes(5));
    k.release();
    assertThat(kd.processId()).isEqualTo(42);
    assertThat(new CommandComplete("INSERT 0 1").command()).isEqualTo("INSERT");
  }
}
