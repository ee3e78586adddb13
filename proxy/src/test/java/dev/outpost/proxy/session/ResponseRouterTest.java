package dev.outpost.proxy.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The byte-level test that lets the router skip decoding CommandComplete tags it never tracks. */
class ResponseRouterTest {
  private static boolean rowTag(String tag) {
    ByteBuf b = Unpooled.buffer();
    b.writeBytes("xx".getBytes(StandardCharsets.US_ASCII)); // a non-zero reader index
    b.readerIndex(2);
    b.writeBytes(tag.getBytes(StandardCharsets.US_ASCII)).writeByte(0);
    try {
      return ResponseRouter.isRowTag(b);
    } finally {
      b.release();
    }
  }

  @Test
  void rowCountTags_areSkipped() {
    for (String tag : new String[] {"SELECT 1", "SELECT 0", "INSERT 0 5", "UPDATE 3", "DELETE 0", "MERGE 2",
        "FETCH 10", "MOVE 1", "COPY 100000"}) {
      assertThat(rowTag(tag)).as(tag).isTrue();
    }
  }

  @Test
  void trackedTags_areNeverSkipped() {
    for (String tag : new String[] {"BEGIN", "START TRANSACTION", "COMMIT", "PREPARE TRANSACTION", "ROLLBACK", "SET",
        "RESET", "DISCARD ALL", "DISCARD PLANS", "DEALLOCATE", "DEALLOCATE ALL", "SHOW", "CREATE TABLE", ""}) {
      assertThat(rowTag(tag)).as(tag).isFalse();
    }
  }
}
