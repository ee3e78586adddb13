package dev.outpost.wire.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Postgres' MD5 password scheme: the stored secret is {@code "md5" + md5hex(password + user)} and
 * the wire answer to a salt is {@code "md5" + md5hex(md5hex(password + user) + salt)}.
 */
public final class Md5Password {
  private Md5Password() {}

  /** The stored form {@code md5<hex>} of a password. */
  public static String stored(String user, String password) {
    return "md5" + md5Hex((password + user).getBytes(StandardCharsets.UTF_8));
  }

  /** The answer a client sends for {@code salt}, computed from the password. */
  public static String response(String user, String password, byte[] salt) {
    return responseFromStored(stored(user, password), salt);
  }

  /** The answer for {@code salt}, computed from the stored {@code md5<hex>} form. */
  public static String responseFromStored(String stored, byte[] salt) {
    byte[] inner = stored.substring(3).getBytes(StandardCharsets.US_ASCII);
    byte[] salted = new byte[inner.length + salt.length];
    System.arraycopy(inner, 0, salted, 0, inner.length);
    System.arraycopy(salt, 0, salted, inner.length, salt.length);
    return "md5" + md5Hex(salted);
  }

  /** Constant-time comparison of a client's answer with the expected one. */
  public static boolean matches(String expected, String actual) {
    return actual != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
        actual.getBytes(StandardCharsets.US_ASCII));
  }

  private static String md5Hex(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("MD5 is not available", e);
    }
  }
}
