package dev.outpost.wire.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * The client side of one SCRAM-SHA-256 exchange, used by Outpost to log in to the origin; over TLS
 * it can bind the exchange to the origin's certificate (SCRAM-SHA-256-PLUS, {@link ChannelBinding}).
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
  private final String gs2Header;
  private final byte[] channelBinding;
  private String clientFirstBare;
  private byte[] expectedServerSignature;

  /** An exchange without TLS: no channel binding. */
  public ScramClient(String password) {
    this(password, null, false);
  }

  /**
   * @param channelBinding the {@link ChannelBinding#serverEndPoint} data of the TLS connection to the
   *     server, or null when there is none (no TLS, or a certificate without a usable hash)
   * @param bind whether to bind the exchange (the server offered SCRAM-SHA-256-PLUS and binding is
   *     wanted); without it, a client that has binding data tells the server so ({@code y}), which
   *     lets a server that did offer -PLUS detect that the offer was removed on the way
   */
  public ScramClient(String password, byte[] channelBinding, boolean bind) {
    this(password, "", Scram.nonce(), channelBinding, bind);
  }

  /** For test vectors: a fixed user attribute and client nonce. */
  ScramClient(String password, String user, String clientNonce) {
    this(password, user, clientNonce, null, false);
  }

  private ScramClient(String password, String user, String clientNonce, byte[] channelBinding, boolean bind) {
    if (bind && channelBinding == null) {
      throw new IllegalArgumentException("channel binding needs the binding data of a TLS connection");
    }
    this.password = password;
    this.user = user;
    this.clientNonce = clientNonce;
    this.channelBinding = bind ? channelBinding : null;
    this.gs2Header = bind ? Scram.GS2_PLUS : channelBinding != null ? "y,," : "n,,";
  }

  /** Whether this exchange is bound to the TLS channel (SCRAM-SHA-256-PLUS). */
  public boolean bound() {
    return channelBinding != null;
  }

  /** The mechanism to name in SASLInitialResponse. */
  public String mechanism() {
    return channelBinding != null ? Scram.MECHANISM_PLUS : Scram.MECHANISM;
  }

  /** Whether a server's AuthenticationSASL offers SCRAM-SHA-256-PLUS (channel binding). */
  public static boolean offersPlus(List<String> offered) {
    return offered.contains(Scram.MECHANISM_PLUS);
  }

  /** Whether a server's AuthenticationSASL offers SCRAM-SHA-256. */
  public static boolean offersScram(List<String> offered) {
    return offered.contains(Scram.MECHANISM);
  }

  /** The client-first message (the user name comes from the StartupMessage). */
  public byte[] clientFirst() {
    clientFirstBare = "n=" + user + ",r=" + clientNonce;
    return (gs2Header + clientFirstBare).getBytes(StandardCharsets.UTF_8);
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
    String withoutProof = "c=" + Scram.b64(Scram.channelBindingInput(gs2Header, channelBinding)) + ",r=" + nonce;
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
