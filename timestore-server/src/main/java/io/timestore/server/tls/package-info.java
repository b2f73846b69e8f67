/**
 * TLS on the HTTP listener: the certificate and key read from PEM files
 * ({@link io.timestore.server.tls.ServerCertificate}), the development certificate of
 * {@code serve --tls} ({@link io.timestore.server.tls.DevCertificate}) and the Jetty SSL context
 * that picks up a rotated certificate without a restart ({@link io.timestore.server.tls.TlsContext}).
 */
package io.timestore.server.tls;
