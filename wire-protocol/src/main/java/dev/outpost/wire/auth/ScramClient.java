package dev.outpost.wire.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The client side of one SCRAM-SHA-256 exchange, used by Outpost to log in to the origin.
 *
 * <pre>
 * Outpost                                     origin
 *   {@link #clientFirst()}                ─►  SASLInitialResponse
 *   {@link #serverFirst(byte[])}          ◄─  AuthenticationSASLContinue, returns client-final
 *   {@link #serverFinal(byte[])}          ◄─  AuthenticationSASLFinal, verifies the server
 * </pre>
 */
public final class ScramClient {
  private final String password;
  private final String user;
  private final String clientNonce;
  private String clientFirstBare;
  private byte[] expectedServerSignature;

  public ScramClient(String password) {
    this(password, "", Scram.nonce());
  }

  /** For test vectors: a fixed user attribute and client nonce. */
  ScramClient(String password, String user, String clientNonce) {
    this.password = password;
    this.user = user;
    this.clientNonce = clientNonce;
  }

  public static String mechanism() {
    return Scram.MECHANISM;
  }

  /** The client-first message (no channel binding; the user name comes from the StartupMessage). */
  public byte[] clientFirst() {
    clientFirstBare = "n=" + user + ",r=" + clientNonce;
    return ("n,," + clientFirstBare).getBytes(StandardCharsets.UTF_8);
  }

  /** Handles the server-first message and returns the client-final message. */
  public byte[] serverFirst(byte[] message) throws AuthenticationFailedException {
    String serverFirst = new String(message, StandardCharsets.UTF_8);
    String nonce = Scram.attribute(serverFirst, 'r');
    String salt = Scram.attribute(serverFirst, 's');
    String iterations = Scram.attribute(serverFirst, 'i');
    if (nonce == null || salt == null || iterations == null || !nonce.startsWith(clientNonce)) {
      throw new AuthenticationFailedException("the origin sent a malformed SCRAM server-first message");
    }
    int i;
    try {
      i = Integer.parseInt(iterations);
    } catch (NumberFormatException e) {
      throw new AuthenticationFailedException("the origin sent a bad SCRAM iteration count");
    }
    byte[] salted = Scram.saltedPassword(password, Scram.unb64(salt), i);
    byte[] clientKey = Scram.hmac(salted, "Client Key");
    byte[] storedKey = Scram.sha256(clientKey);
    String withoutProof = "c=" + Scram.b64("n,,".getBytes(StandardCharsets.UTF_8)) + ",r=" + nonce;
    String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
    byte[] clientSignature = Scram.hmac(storedKey, authMessage);
    byte[] proof = Scram.xor(clientKey, clientSignature);
    expectedServerSignature = Scram.hmac(Scram.hmac(salted, "Server Key"), authMessage);
    return (withoutProof + ",p=" + Scram.b64(proof)).getBytes(StandardCharsets.UTF_8);
  }

  /** Verifies the server-final message, proving the origin knew the password too. */
  public void serverFinal(byte[] message) throws AuthenticationFailedException {
    String m = new String(message, StandardCharsets.UTF_8);
    String error = Scram.attribute(m, 'e');
    if (error != null) {
      throw new AuthenticationFailedException("the origin rejected SCRAM authentication: " + error);
    }
    String v = Scram.attribute(m, 'v');
    if (v == null || expectedServerSignature == null
        || !MessageDigest.isEqual(Scram.unb64(v), expectedServerSignature)) {
      throw new AuthenticationFailedException("the origin's SCRAM server signature is wrong");
    }
  }
}
