package io.timestore.server.console;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

/**
 * The console's static files, read once from the jar (docs/console.md): the plain JavaScript
 * modules and stylesheet under {@code /console/} and uPlot from its webjar, with its licence.
 * Their fingerprint (the start of a SHA-256 over every file) is part of each asset's URL, so a
 * browser may keep an asset for ever and still never runs yesterday's code with today's page.
 * Each file is kept plain and gzip-compressed.
 */
final class ConsoleAssets {
    /** The console's own files, under {@code /console/} in the jar. */
    static final List<String> FILES = List.of("app.js", "api.js", "auth.js", "dom.js", "console.css",
            "pages/events.js", "pages/integrity.js", "pages/datasets.js", "pages/data.js", "pages/tokens.js");
    static final String UPLOT_VERSION = "1.6.30";
    private static final String UPLOT = "/META-INF/resources/webjars/uplot/" + UPLOT_VERSION + "/";
    /** uPlot's files: where they are served (under the assets) and where the webjar holds them. */
    private static final Map<String, String> VENDOR = Map.of(
            "vendor/uPlot.esm.js", UPLOT + "dist/uPlot.esm.js",
            "vendor/uPlot.min.css", UPLOT + "dist/uPlot.min.css",
            "vendor/uPlot.LICENSE.txt", UPLOT + "LICENSE");

    /** One servable file. */
    record Asset(String contentType, byte[] plain, byte[] gzipped) {}

    private final Map<String, Asset> assets;
    private final String indexTemplate;
    private final String fingerprint;

    private ConsoleAssets(Map<String, Asset> assets, String indexTemplate, String fingerprint) {
        this.assets = assets;
        this.indexTemplate = indexTemplate;
        this.fingerprint = fingerprint;
    }

    /** Reads every file from the class path; a missing one is a broken build. */
    static ConsoleAssets load() {
        var digest = sha256();
        var assets = new LinkedHashMap<String, Asset>();
        for (var file : FILES) {
            assets.put(file, asset(file, read("/console/" + file), digest));
        }
        VENDOR.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(entry -> assets.put(entry.getKey(), asset(entry.getKey(), read(entry.getValue()), digest)));
        var index = new String(read("/console/index.html"), StandardCharsets.UTF_8);
        digest.update(index.getBytes(StandardCharsets.UTF_8));
        var fingerprint = HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        return new ConsoleAssets(Map.copyOf(assets), index, fingerprint);
    }

    /** The fingerprint in every asset URL. */
    String fingerprint() {
        return fingerprint;
    }

    /** The file at {@code path} (relative to the assets), when the console has it. */
    Optional<Asset> asset(String path) {
        return Optional.ofNullable(assets.get(path));
    }

    /** The page's template: {@code {{assets}}} and {{config}} are filled in per server. */
    String indexTemplate() {
        return indexTemplate;
    }

    static Asset asset(String name, byte[] plain, MessageDigest digest) {
        digest.update(name.getBytes(StandardCharsets.UTF_8));
        digest.update(plain);
        return new Asset(contentType(name), plain, gzip(plain));
    }

    static byte[] gzip(byte[] plain) {
        var out = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(out)) {
            gz.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String contentType(String name) {
        if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        return "text/plain; charset=utf-8";
    }

    private static byte[] read(String resource) {
        try (InputStream in = ConsoleAssets.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the server jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
