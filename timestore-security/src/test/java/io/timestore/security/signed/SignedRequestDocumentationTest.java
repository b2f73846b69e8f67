package io.timestore.security.signed;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.security.TenantId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.threeten.extra.MutableClock;

/**
 * Recomputes the worked example of {@code docs/signed-requests.md} from the values in the
 * document itself, so the documentation and the implementation cannot drift apart.
 */
class SignedRequestDocumentationTest {
    private static final Path DOC = Path.of("..", "docs", "signed-requests.md");

    private final String doc;

    SignedRequestDocumentationTest() throws IOException {
        doc = Files.readString(DOC, StandardCharsets.UTF_8);
    }

    /** The content of the fenced block following {@code <!-- example:name -->}, without the final newline. */
    private String block(String name) {
        String marker = "<!-- example:" + name + " -->";
        int at = doc.indexOf(marker);
        assertThat(at).as("marker %s in %s", marker, DOC).isNotNegative();
        int open = doc.indexOf("```", at);
        int start = doc.indexOf('\n', open) + 1;
        int close = doc.indexOf("\n```", start);
        return doc.substring(start, close);
    }

    private record HttpRequest(String method, String path, String query, Map<String, List<String>> headers, String body) {
        static HttpRequest parse(String text) {
            String[] headAndBody = text.split("\n\n", 2);
            String[] lines = headAndBody[0].split("\n");
            String[] requestLine = lines[0].split(" ");
            String target = requestLine[1];
            int q = target.indexOf('?');
            var headers = new LinkedHashMap<String, List<String>>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.computeIfAbsent(lines[i].substring(0, colon), n -> new ArrayList<>()).add(lines[i].substring(colon + 1).strip());
            }
            return new HttpRequest(requestLine[0], q < 0 ? target : target.substring(0, q),
                    q < 0 ? "" : target.substring(q + 1), headers, headAndBody[1]);
        }

        SignedRequestInput input() {
            return new SignedRequestInput(method, path, query, headers,
                    SignedRequestInput.sha256Hex(body.getBytes(StandardCharsets.UTF_8)));
        }
    }

    /**
     * The example's secret, decoded as the document tells client authors to: it is shown exactly as
     * {@code POST /admin/v1/signing-keys} returns secrets, base64url without padding.
     */
    private byte[] secret() {
        String shown = block("secret");
        assertThat(shown).as("base64url without padding, as the API returns it").matches("[A-Za-z0-9_-]{43}");
        return Base64.getUrlDecoder().decode(shown);
    }

    @Test
    void the_example_secret_has_the_form_the_api_returns_and_decodes_to_the_bytes_the_text_names() {
        byte[] secret = secret();

        assertThat(secret).hasSize(32);
        assertThat(doc).contains("`" + HexFormat.of().formatHex(secret) + "`");
        assertThat(Base64.getUrlEncoder().withoutPadding().encodeToString(secret)).isEqualTo(block("secret"));
    }

    @Test
    void worked_example_in_the_documentation_is_reproduced_byte_for_byte() {
        byte[] secret = secret();
        HttpRequest request = HttpRequest.parse(block("request"));
        String authorization = request.headers().get("Authorization").getFirst();
        SignedAuthorization parsed = SignedAuthorization.parse(authorization.substring(CanonicalRequest.ALGORITHM.length() + 1));

        String canonical = CanonicalRequest.of(request.input(), parsed.signedHeaders());
        String stringToSign = CanonicalRequest.stringToSign(request.headers().get("X-TS-Date").getFirst(), canonical);
        String signature = CanonicalRequest.signature(secret, stringToSign);

        assertThat(canonical).isEqualTo(block("canonical-request"));
        assertThat(stringToSign).isEqualTo(block("string-to-sign"));
        assertThat(signature).isEqualTo(block("signature")).isEqualTo(parsed.signature());
        assertThat(SignedRequestSigner.authorization(request.input(), parsed.keyId(), secret, List.of("content-type")))
                .isEqualTo(authorization);
    }

    @Test
    void worked_example_request_is_accepted_by_the_verifier_two_minutes_later() {
        byte[] secret = secret();
        HttpRequest request = HttpRequest.parse(block("request"));
        String authorization = request.headers().get("Authorization").getFirst();
        var key = new SigningKey("hk_5f0c9a1e2b3d4c6e8f7a9b1c", new TenantId("acme"), secret, Set.of(), Set.of(), Instant.parse("2999-01-01T00:00:00Z"), false);
        var verifier = new SignedRequestVerifier(id -> Optional.of(key).filter(k -> k.keyId().equals(id)),
                new SignedRequests.InMemoryNonces(), MutableClock.of(Instant.parse("2026-01-15T12:02:00Z"), ZoneOffset.UTC),
                SignedRequestVerifier.DEFAULT_WINDOW);

        var principal = verifier.verify(authorization.substring(CanonicalRequest.ALGORITHM.length() + 1), request.input());

        assertThat(principal.tenantClaim()).contains(new TenantId("acme"));
    }
}
