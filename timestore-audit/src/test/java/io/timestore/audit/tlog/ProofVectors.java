package io.timestore.audit.tlog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

/**
 * The transparency-dev/merkle proof vectors copied into the test resources
 * ({@code conformance/merkle/testdata}, see the README there): every file, read as the Go verifier's
 * tests read them (base64 byte strings, {@code null} proof = empty).
 */
final class ProofVectors {
    static final Path ROOT = resource("/conformance/merkle/testdata");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One vector file. */
    record Vector(Path file, JsonNode json) {
        boolean wantErr() {
            return json.get("wantErr").asBoolean();
        }

        String desc() {
            return json.get("desc").asText();
        }

        long number(String member) {
            return json.get(member).asLong();
        }

        byte[] bytes(String member) {
            return Base64.getDecoder().decode(json.get(member).asText());
        }

        List<byte[]> proof() {
            List<byte[]> proof = new ArrayList<>();
            json.path("proof").forEach(h -> proof.add(Base64.getDecoder().decode(h.asText())));
            return proof;
        }

        @Override
        public String toString() {
            return ROOT.relativize(file) + " (" + desc() + ", wantErr " + wantErr() + ")";
        }
    }

    private ProofVectors() {}

    /** Every vector file under {@code inclusion} or {@code consistency}, in path order. */
    static List<Vector> all(String kind) {
        try (Stream<Path> files = Files.walk(ROOT.resolve(kind))) {
            return files.filter(f -> f.toString().endsWith(".json")).sorted().map(ProofVectors::read).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Vector read(Path file) {
        try {
            return new Vector(file, JSON.readTree(file.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path resource(String name) {
        try {
            var url = ProofVectors.class.getResource(name);
            if (url == null) {
                throw new IllegalStateException(name + " is missing from the test resources");
            }
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
