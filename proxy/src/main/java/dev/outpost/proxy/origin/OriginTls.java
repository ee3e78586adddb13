package dev.outpost.proxy.origin;

import dev.outpost.proxy.config.OriginUrl;
import dev.outpost.proxy.config.OriginUrl.SslMode;
import io.netty.buffer.ByteBufAllocator;
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
 * that it names the origin host.
 */
final class OriginTls {
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
      return new OriginTls(b.build(), origin);
    } catch (SSLException e) {
      throw new IllegalArgumentException("could not set up TLS to the origin: " + e.getMessage(), e);
    }
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
