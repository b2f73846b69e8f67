package io.timestore.server.tls;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.timestore.server.config.InvalidSettings;
import io.timestore.server.config.TlsSettings;
import io.timestore.server.identity.KeyFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener's TLS: a Jetty SSL context over the configured (or development) certificate,
 * limited to TLS 1.3 unless 1.2 was opted into, and a watcher that reloads the certificate and
 * key when their files change, so a new connection sees a rotated certificate without a restart.
 * A change that does not yield a usable pair (a half-written file, a key of another certificate)
 * keeps the current certificate, is logged and counted, and is tried again at the next check.
 */
public final class TlsContext implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TlsContext.class);
    /** With TLS 1.2 opted into: forward-secret AEAD suites only (and TLS 1.3's own). */
    static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private final SslContextFactory.Server factory;
    private final Path certFile;
    private final Path keyFile;
    private final boolean development;
    private final ScheduledExecutorService watcher;
    private final Counter reloaded;
    private final Counter refused;
    private volatile ServerCertificate current;
    private volatile byte[] seen;

    private TlsContext(TlsSettings settings, Path certFile, Path keyFile, boolean development, MeterRegistry registry) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.development = development;
        this.seen = digest();
        this.current = ServerCertificate.load(certFile, keyFile);
        this.factory = new SslContextFactory.Server();
        factory.setKeyStore(current.keyStore());
        factory.setKeyStorePassword(ServerCertificate.STORE_PASSWORD);
        factory.setKeyManagerPassword(ServerCertificate.STORE_PASSWORD);
        factory.setIncludeProtocols(settings.minVersion().protocols().toArray(String[]::new));
        if (settings.minVersion() == TlsSettings.Version.TLS_1_2) {
            factory.setIncludeCipherSuites(CIPHER_SUITES.toArray(String[]::new));
        }
        factory.setRenegotiationAllowed(false);
        this.reloaded = Counter.builder("timestore.tls.reloads").tag("outcome", "reloaded")
                .description("Certificate changes picked up by the listener, and changes refused (the old certificate kept)")
                .register(registry);
        this.refused = Counter.builder("timestore.tls.reloads").tag("outcome", "refused")
                .description("Certificate changes picked up by the listener, and changes refused (the old certificate kept)")
                .register(registry);
        Gauge.builder("timestore.tls.certificate.expiry.timestamp.seconds", this,
                        tls -> tls.current.leaf().getNotAfter().toInstant().getEpochSecond())
                .description("When the listener's certificate expires (Unix seconds)").register(registry);
        this.watcher = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("timestore-tls-reload").factory());
        long every = settings.reloadInterval().toMillis();
        watcher.scheduleWithFixedDelay(this::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * The listener's TLS context, or none when TLS is off.
     *
     * @throws InvalidSettings naming the setting when the certificate or key cannot be used, or a
     *                         development certificate is asked for with an external database
     */
    public static java.util.Optional<TlsContext> open(TlsSettings settings, boolean embedded, KeyFiles keyFiles, String host,
                                                      MeterRegistry registry) {
        if (!settings.enabled()) {
            return java.util.Optional.empty();
        }
        if (settings.certFile().isPresent()) {
            return java.util.Optional.of(new TlsContext(settings, settings.certFile().get(), settings.keyFile().orElseThrow(), false,
                    registry));
        }
        if (!embedded) {
            throw new InvalidSettings("server.tls.self-signed", "a development certificate is only made with the embedded database; "
                    + "set server.tls.cert-file and server.tls.key-file");
        }
        var files = DevCertificate.readOrCreate(keyFiles, host);
        return java.util.Optional.of(new TlsContext(settings, files[0], files[1], true, registry));
    }

    public SslContextFactory.Server factory() {
        return factory;
    }

    /** The certificate new connections are served with. */
    public ServerCertificate certificate() {
        return current;
    }

    /** Whether the certificate is the self-signed development one. */
    public boolean development() {
        return development;
    }

    /** Checks the files once; reloads the context when they changed and hold a usable pair. */
    void reloadIfChanged() {
        var now = digest();
        if (Arrays.equals(now, seen)) {
            return;
        }
        try {
            var loaded = ServerCertificate.load(certFile, keyFile);
            factory.reload(f -> f.setKeyStore(loaded.keyStore()));
            current = loaded;
            seen = now;
            reloaded.increment();
            log.atInfo().addKeyValue("fingerprint_sha256", loaded.fingerprint())
                    .log("TLS certificate reloaded from {} (SHA-256 {})", certFile, loaded.fingerprint());
        } catch (InvalidSettings e) {
            seen = now; // try again when the files change once more
            refused.increment();
            log.warn("TLS certificate change not applied, still serving the previous certificate: {}", e.getMessage());
        } catch (Exception e) {
            refused.increment();
            log.warn("TLS certificate reload failed, still serving the previous certificate", e);
        }
    }

    /** SHA-256 over both files' bytes (empty when unreadable, which counts as a change to try). */
    private byte[] digest() {
        try {
            var sha = MessageDigest.getInstance("SHA-256");
            for (var file : List.of(certFile, keyFile)) {
                try {
                    sha.update(Files.readAllBytes(file));
                } catch (IOException e) {
                    return new byte[0];
                }
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    @Override
    public void close() {
        watcher.shutdownNow();
    }
}
