package dev.outpost.wire.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/** The SCRAM-SHA-256 primitives shared by the server and client sides. */
final class Scram {
  static final String MECHANISM = "SCRAM-SHA-256";
  /** The mechanism with channel binding, offered and chosen only over TLS. */
  static final String MECHANISM_PLUS = "SCRAM-SHA-256-PLUS";
  /** The GS2 header of an exchange bound to the TLS channel. */
  static final String GS2_PLUS = "p=" + ChannelBinding.TYPE + ",,";
  private static final SecureRandom RANDOM = new SecureRandom();

  private Scram() {}

  static byte[] saltedPassword(String password, byte[] salt, int iterations) {
    try {
      SecretKeyFactory f = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
      PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
      return f.generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available", e);
    }
  }

  static byte[] hmac(byte[] key, String message) {
    return hmac(key, message.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] hmac(byte[] key, byte[] message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(message);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  /**
   * What the client-final message's {@code c=} attribute carries: the GS2 header, followed by the
   * channel-binding data when the exchange is bound ({@code data} null: not bound).
   */
  static byte[] channelBindingInput(String gs2Header, byte[] data) {
    byte[] header = gs2Header.getBytes(StandardCharsets.UTF_8);
    if (data == null) {
      return header;
    }
    byte[] both = java.util.Arrays.copyOf(header, header.length + data.length);
    System.arraycopy(data, 0, both, header.length, data.length);
    return both;
  }

  static byte[] xor(byte[] a, byte[] b) {
    byte[] r = new byte[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = (byte) (a[i] ^ b[i]);
    }
    return r;
  }

  static String nonce() {
    byte[] raw = new byte[18];
    RANDOM.nextBytes(raw);
    return Base64.getEncoder().encodeToString(raw);
  }

  static byte[] randomBytes(int n) {
    byte[] raw = new byte[n];
    RANDOM.nextBytes(raw);
    return raw;
  }

  static String b64(byte[] data) {
    return Base64.getEncoder().encodeToString(data);
  }

  static byte[] unb64(String s) {
    return Base64.getDecoder().decode(s);
  }

  /** Returns the value of attribute {@code name} (e.g. {@code r}) in a comma-separated message. */
  static String attribute(String message, char name) {
    for (String part : message.split(",")) {
      if (part.length() >= 2 && part.charAt(0) == name && part.charAt(1) == '=') {
        return part.substring(2);
      }
    }
    return null;
  }
}
