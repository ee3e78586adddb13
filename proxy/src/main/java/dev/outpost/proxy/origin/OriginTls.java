package dev.outpost.proxy.origin;

import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.proxy.config.OriginUrl.SslMode;
import dev.outpost.proxy.config.OriginUrl.SslNegotiation;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.File;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * TLS towards the origin, following libpq's sslmode: {@code require} encrypts without checking the
 * certificate, {@code verify-ca} checks it against the CA file, {@code verify-full} also checks
 * that it names the origin host; with {@code sslcert} and {@code sslkey} the node presents a client
 * certificate when the origin asks for one. With {@code sslnegotiation=direct} the handshake starts at once,
 * without an SSLRequest, and must agree on the ALPN protocol {@code postgresql} (Postgres 17).
 */
final class OriginTls {
  static final String ALPN_PROTOCOL = "postgresql";
  private final SslContext context;
  private final OriginUrl origin;

  private OriginTls(SslContext context, OriginUrl origin) {
    this.context = context;
    this.origin = origin;
  }

  /** TLS for {@code origin}, or null when its sslmode is {@code disable}. */
  static OriginTls forOrigin(OriginUrl origin) {
    if (origin.sslMode() == SslMode.DISABLE) {
      return null;
    }
    try {
      SslContextBuilder b = SslContextBuilder.forClient();
      if (origin.sslMode().verifiesCertificate()) {
        if (origin.sslRootCert() == null) {
          throw new IllegalArgumentException("sslmode=" + origin.sslMode().name().toLowerCase().replace('_', '-')
              + " needs a CA file: add sslrootcert=/path/to/ca.pem to the origin URL");
        }
        b.trustManager(new File(origin.sslRootCert()));
      } else {
        b.trustManager(InsecureTrustManagerFactory.INSTANCE);
      }
      if (origin.sslCert() != null) {
        try {
          b.keyManager(new File(origin.sslCert()), new File(origin.sslKey()));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("could not load the client certificate (sslcert=" + origin.sslCert()
              + ", sslkey=" + origin.sslKey() + "): " + e.getMessage(), e);
        }
      }
      if (origin.sslNegotiation() == SslNegotiation.DIRECT) {
        b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ALPN_PROTOCOL));
      }
      return new OriginTls(b.build(), origin);
    } catch (SSLException e) {
      throw new IllegalArgumentException("could not set up TLS to the origin: " + e.getMessage(), e);
    }
  }

  /** Whether TLS starts at once, without an SSLRequest (sslnegotiation=direct). */
  boolean direct() {
    return origin.sslNegotiation() == SslNegotiation.DIRECT;
  }

  /**
   * Why a finished handshake cannot carry the login, or null when it can: a direct connection must
   * have agreed on ALPN {@code postgresql}, as libpq requires (a server that ignores ALPN is not a
   * Postgres that accepts direct TLS).
   */
  String refusal(SslHandler handler) {
    if (direct() && !ALPN_PROTOCOL.equals(handler.applicationProtocol())) {
      return "the origin " + origin.address() + " finished a direct TLS handshake without agreeing on the ALPN "
          + "protocol \"" + ALPN_PROTOCOL + "\" (sslnegotiation=direct needs Postgres 17 or later; "
          + "remove it from the origin URL for an older origin)";
    }
    return null;
  }

  /** Whether the connection may fall back to plaintext when the origin refuses TLS. */
  boolean optional() {
    return origin.sslMode() == SslMode.PREFER;
  }

  SslHandler newHandler(ByteBufAllocator alloc) {
    SslHandler handler = context.newHandler(alloc, origin.host(), origin.port());
    if (origin.sslMode() == SslMode.VERIFY_FULL) {
      SSLEngine engine = handler.engine();
      SSLParameters params = engine.getSSLParameters();
      params.setEndpointIdentificationAlgorithm("HTTPS");
      engine.setSSLParameters(params);
    }
    return handler;
  }
}
