package dev.outpost.changefeed;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/** Hex fixtures: spaces are for the reader; text between backticks is a NUL-terminated UTF-8 string. */
final class Hex {
  private Hex() {}

  /** Bytes from hex digits and backtick-quoted C strings, e.g. {@code 42 `public` 00000017}. */
  static ByteBuffer bytes(String fixture) {
    StringBuilder hex = new StringBuilder();
    boolean quoted = false;
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < fixture.length(); i++) {
      char c = fixture.charAt(i);
      if (c == '`') {
        if (quoted) {
          hex.append(HexFormat.of().formatHex(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)))
              .append("00");
          text.setLength(0);
        }
        quoted = !quoted;
      } else if (quoted) {
        text.append(c);
      } else if (!Character.isWhitespace(c)) {
        hex.append(c);
      }
    }
    return ByteBuffer.wrap(HexFormat.of().parseHex(hex.toString()));
  }
}
