package dev.outpost.wire.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The server side of one SCRAM-SHA-256 exchange, as Postgres runs it (the user name comes from the
 * StartupMessage; the SCRAM {@code n=} attribute is ignored; no channel binding).
 *
 * <pre>
 * client                                   Outpost
 *   SASLInitialResponse(client-first)  ─►  {@link #clientFirst(byte[])} returns server-first
 *   SASLResponse(client-final)         ─►  {@link #clientFinal(byte[])} returns server-final
 * </pre>
 *
 * <p>A session with no verifier (unknown user) runs the same steps with a fake verifier derived
 * from the user name, so that an unknown user cannot be told from a wrong password by the
 * messages or their timing.
 */
public final class ScramServer {
  private final ScramVerifier verifier;
  private final boolean userKnown;
  private String clientFirstBare;
  private String serverFirst;
  private String nonce;
  private String gs2Header;
  private boolean done;

  /**
   * @param verifier the user's verifier, or null when the user does not exist
   * @param mockSeed bytes that make the fake verifier of an unknown user stable (e.g. the user name
   *     mixed with a node secret)
   */
  public ScramServer(ScramVerifier verifier, byte[] mockSeed) {
    this.userKnown = verifier != null;
    this.verifier = verifier != null ? verifier
        : ScramVerifier.fromPassword(Scram.b64(Scram.randomBytes(24)),
            java.util.Arrays.copyOf(Scram.sha256(mockSeed), 16), ScramVerifier.DEFAULT_ITERATIONS);
  }

  /** The mechanism name to offer in AuthenticationSASL. */
  public static String mechanism() {
    return Scram.MECHANISM;
  }

  /**
   * Handles the client-first message and returns the server-first message.
   *
   * @throws AuthenticationFailedException when the message is malformed or asks for channel binding
   */
  public byte[] clientFirst(byte[] message) throws AuthenticationFailedException {
    String m = new String(message, StandardCharsets.UTF_8);
    int first = m.indexOf(',');
    int second = first < 0 ? -1 : m.indexOf(',', first + 1);
    if (first < 0 || second < 0) {
      throw new AuthenticationFailedException("malformed SCRAM message: missing GS2 header");
    }
    String cbFlag = m.substring(0, first);
    if (cbFlag.startsWith("p=")) {
      throw new AuthenticationFailedException("SCRAM channel binding is not supported; connect with channel_binding=disable or prefer");
    }
    if (!cbFlag.equals("n") && !cbFlag.equals("y")) {
      throw new AuthenticationFailedException("malformed SCRAM message: bad channel binding flag");
    }
    gs2Header = m.substring(0, second + 1);
    clientFirstBare = m.substring(second + 1);
    String clientNonce = Scram.attribute(clientFirstBare, 'r');
    if (clientNonce == null || clientNonce.isEmpty()) {
      throw new AuthenticationFailedException("malformed SCRAM message: missing client nonce");
    }
    nonce = clientNonce + Scram.nonce();
    serverFirst = "r=" + nonce + ",s=" + Scram.b64(verifier.salt()) + ",i=" + verifier.iterations();
    return serverFirst.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Verifies the client-final message and returns the server-final message.
   *
   * @throws AuthenticationFailedException when the proof is wrong (wrong password or unknown user)
   *     or the message is malformed
   */
  public byte[] clientFinal(byte[] message) throws AuthenticationFailedException {
    if (serverFirst == null || done) {
      throw new AuthenticationFailedException("SCRAM messages out of order");
    }
    done = true;
    String m = new String(message, StandardCharsets.UTF_8);
    int proofAt = m.lastIndexOf(",p=");
    if (proofAt < 0) {
      throw new AuthenticationFailedException("malformed SCRAM message: missing proof");
    }
    String withoutProof = m.substring(0, proofAt);
    String channelBinding = Scram.attribute(withoutProof, 'c');
    String finalNonce = Scram.attribute(withoutProof, 'r');
    if (channelBinding == null || !MessageDigest.isEqual(Scram.unb64(channelBinding),
        gs2Header.getBytes(StandardCharsets.UTF_8))) {
      throw new AuthenticationFailedException("SCRAM channel binding does not match");
    }
    if (!nonce.equals(finalNonce)) {
      throw new AuthenticationFailedException("SCRAM nonce does not match");
    }
    byte[] proof;
    try {
      proof = Scram.unb64(m.substring(proofAt + 3));
    } catch (IllegalArgumentException e) {
      throw new AuthenticationFailedException("malformed SCRAM message: bad proof encoding");
    }
    String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
    byte[] clientSignature = Scram.hmac(verifier.storedKey(), authMessage);
    boolean ok = proof.length == clientSignature.length
        && MessageDigest.isEqual(Scram.sha256(Scram.xor(proof, clientSignature)), verifier.storedKey());
    if (!ok || !userKnown) {
      throw new AuthenticationFailedException("password authentication failed");
    }
    return ("v=" + Scram.b64(Scram.hmac(verifier.serverKey(), authMessage))).getBytes(StandardCharsets.UTF_8);
  }
}
