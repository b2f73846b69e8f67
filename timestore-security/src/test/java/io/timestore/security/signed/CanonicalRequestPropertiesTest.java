package io.timestore.security.signed;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

class CanonicalRequestPropertiesTest {
    private static final byte[] SECRET = "property-test-secret-32-bytes-long!".getBytes(StandardCharsets.US_ASCII);

    @Provide
    Arbitrary<List<String>> parameters() {
        Arbitrary<String> component = Arbitraries.strings().withCharRange('a', 'z').withChars('~', '-', '.', '_', '%', '+', ' ', '&', '=', 'é')
                .ofMaxLength(6).map(CanonicalRequestPropertiesTest::percentEncode);
        Arbitrary<String> name = component.filter(s -> !s.isEmpty());
        return Combinators.combine(name, component).as((n, v) -> n + "=" + v).list().ofMaxSize(8);
    }

    /** Encodes every byte that is not unreserved, in lower- or upper-case hex depending on the byte. */
    private static String percentEncode(String text) {
        var out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || c == '~' || c == '-' || c == '.' || c == '_') {
                out.append((char) c);
            } else {
                String hex = "%02x".formatted(c);
                out.append('%').append(c % 2 == 0 ? hex : hex.toUpperCase());
            }
        }
        return out.toString();
    }

    @Property
    void canonical_query_does_not_depend_on_parameter_order(@ForAll("parameters") List<String> parameters, @ForAll long seed) {
        var shuffled = new ArrayList<>(parameters);
        Collections.shuffle(shuffled, new Random(seed));

        assertThat(CanonicalRequest.canonicalQuery(String.join("&", shuffled)))
                .isEqualTo(CanonicalRequest.canonicalQuery(String.join("&", parameters)));
    }

    @Property
    void canonical_query_is_a_fixed_point(@ForAll("parameters") List<String> parameters) {
        String once = CanonicalRequest.canonicalQuery(String.join("&", parameters));

        assertThat(CanonicalRequest.canonicalQuery(once)).isEqualTo(once);
    }

    @Property
    void canonical_query_is_sorted_and_uses_only_unreserved_characters_and_escapes(@ForAll("parameters") List<String> parameters) {
        String canonical = CanonicalRequest.canonicalQuery(String.join("&", parameters));
        if (canonical.isEmpty()) {
            return;
        }
        List<String> pairs = List.of(canonical.split("&", -1));

        assertThat(canonical).matches("[A-Za-z0-9._~%=&-]*");
        assertThat(pairs).isSortedAccordingTo((a, b) -> {
            String[] x = a.split("=", 2);
            String[] y = b.split("=", 2);
            int byName = x[0].compareTo(y[0]);
            return byName != 0 ? byName : x[1].compareTo(y[1]);
        });
    }

    @Property
    void any_single_byte_change_to_the_body_changes_the_signature(
            @ForAll @Size(min = 1, max = 256) byte[] body, @ForAll int position, @ForAll byte delta) {
        if (delta == 0) {
            delta = 1;
        }
        byte[] altered = body.clone();
        int at = Math.floorMod(position, body.length);
        altered[at] = (byte) (altered[at] + delta);

        assertThat(signature(altered)).isNotEqualTo(signature(body));
    }

    private static String signature(byte[] body) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("host", List.of("timestore.internal"));
        headers.put("x-ts-date", List.of("20260115T120000Z"));
        headers.put("x-ts-nonce", List.of("nonce-0000000000000000"));
        var input = new SignedRequestInput("POST", "/p", "a=1", headers, SignedRequestInput.sha256Hex(body));
        return SignedRequestSigner.authorization(input, "k", SECRET, List.of());
    }
}
