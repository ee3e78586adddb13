package dev.outpost.wire.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;

/**
 * The server side of one SCRAM-SHA-256 exchange, as Postgres runs it (the user name comes from the
 * StartupMessage; the SCRAM {@code n=} attribute is ignored). Over TLS it also offers
 * SCRAM-SHA-256-PLUS, bound to the node's certificate ({@link ChannelBinding}), and refuses a
 * client that says it could bind but believes the server cannot (a downgrade by a man in the middle).
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
  private final byte[] channelBinding;
  private boolean plus;
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
    this(verifier, mockSeed, null);
  }

  /**
   * @param channelBinding the {@link ChannelBinding#serverEndPoint} data of the TLS connection the
   *     client authenticates on, or null without TLS (then only SCRAM-SHA-256 is offered)
   */
  public ScramServer(ScramVerifier verifier, byte[] mockSeed, byte[] channelBinding) {
    this.channelBinding = channelBinding;
    this.userKnown = verifier != null;
    this.verifier = verifier != null ? verifier
        : ScramVerifier.fromPassword(Scram.b64(Scram.randomBytes(24)),
            Arrays.copyOf(Scram.sha256(mockSeed), 16), ScramVerifier.DEFAULT_ITERATIONS);
  }

  /** The mechanism names to offer in AuthenticationSASL, the one with channel binding first (as Postgres). */
  public List<String> mechanisms() {
    return channelBinding != null ? List.of(Scram.MECHANISM_PLUS, Scram.MECHANISM) : List.of(Scram.MECHANISM);
  }

  /**
   * Handles the client-first message of the chosen {@code mechanism} and returns the server-first
   * message.
   *
   * @throws AuthenticationFailedException when the mechanism was not offered, or the message is
   *     malformed or its channel-binding flag contradicts the mechanism
   */
  public byte[] clientFirst(String mechanism, byte[] message) throws AuthenticationFailedException {
    if (!mechanisms().contains(mechanism)) {
      throw AuthenticationFailedException.protocol("client selected an invalid SASL authentication mechanism");
    }
    plus = Scram.MECHANISM_PLUS.equals(mechanism);
    String m = new String(message, StandardCharsets.UTF_8);
    int first = m.indexOf(',');
    int second = first < 0 ? -1 : m.indexOf(',', first + 1);
    if (first < 0 || second < 0) {
      throw AuthenticationFailedException.protocol("malformed SCRAM message: missing GS2 header");
    }
    String cbFlag = m.substring(0, first);
    if (plus) {
      if (!cbFlag.equals("p=" + ChannelBinding.TYPE)) {
        throw AuthenticationFailedException.protocol("SCRAM-SHA-256-PLUS needs channel binding of type "
            + ChannelBinding.TYPE + ", the client asked for " + (cbFlag.startsWith("p=") ? cbFlag.substring(2) : "none"));
      }
    } else if (cbFlag.startsWith("p=")) {
      throw AuthenticationFailedException.protocol("the client asked for channel binding without selecting SCRAM-SHA-256-PLUS");
    } else if (cbFlag.equals("y") && channelBinding != null) {
      // the client could bind and was offered -PLUS, yet believes it was not: someone removed it
      throw AuthenticationFailedException.protocol("SCRAM channel binding negotiation error: the client supports channel "
          + "binding but thinks the server does not; this server does support it");
    } else if (!cbFlag.equals("n") && !cbFlag.equals("y")) {
      throw AuthenticationFailedException.protocol("malformed SCRAM message: bad channel binding flag");
    }
    gs2Header = m.substring(0, second + 1);
    clientFirstBare = m.substring(second + 1);
    String clientNonce = Scram.attribute(clientFirstBare, 'r');
    if (clientNonce == null || clientNonce.isEmpty()) {
      throw AuthenticationFailedException.protocol("malformed SCRAM message: missing client nonce");
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
      throw AuthenticationFailedException.protocol("SCRAM messages out of order");
    }
    done = true;
    String m = new String(message, StandardCharsets.UTF_8);
    int proofAt = m.lastIndexOf(",p=");
    if (proofAt < 0) {
      throw AuthenticationFailedException.protocol("malformed SCRAM message: missing proof");
    }
    String withoutProof = m.substring(0, proofAt);
    String clientBinding = Scram.attribute(withoutProof, 'c');
    String finalNonce = Scram.attribute(withoutProof, 'r');
    if (clientBinding == null || !MessageDigest.isEqual(unb64OrEmpty(clientBinding), Scram.channelBindingInput(gs2Header, plus ? channelBinding : null))) {
      throw AuthenticationFailedException.protocol("SCRAM channel binding check failed");
    }
    if (!nonce.equals(finalNonce)) {
      throw AuthenticationFailedException.protocol("SCRAM nonce does not match");
    }
    byte[] proof;
    try {
      proof = Scram.unb64(m.substring(proofAt + 3));
    } catch (IllegalArgumentException e) {
      throw AuthenticationFailedException.protocol("malformed SCRAM message: bad proof encoding");
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

  private static byte[] unb64OrEmpty(String s) {
    try {
      return Scram.unb64(s);
    } catch (IllegalArgumentException e) {
      return new byte[0];
    }
  }
}
