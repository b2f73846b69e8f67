package io.timestore.security.signed;

import static io.timestore.security.signed.SignedRequests.KEY_ID;
import static io.timestore.security.signed.SignedRequests.SECRET;
import static io.timestore.security.signed.SignedRequests.headers;
import static io.timestore.security.signed.SignedRequests.keyStore;
import static io.timestore.security.signed.SignedRequests.parameters;
import static io.timestore.security.signed.SignedRequests.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.timestore.security.AuthMethod;
import io.timestore.security.AuthenticationFailure;
import io.timestore.security.AuthenticationFailure.Reason;
import io.timestore.security.Principal;
import io.timestore.security.PrincipalKind;
import io.timestore.security.TenantId;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.threeten.extra.MutableClock;

class SignedRequestVerifierTest {
    private static final Instant NOW = Instant.parse("2026-01-15T12:00:00Z");
    private static final String DATE = "20260115T120000Z";
    private static final String PATH = "/storage/v1/datasets/cpu/points";
    private static final String QUERY = "precision=ns&b=2&a=1";
    private static final String BODY = "{\"points\":[]}";

    private final SignedRequests.InMemoryNonces nonces = new SignedRequests.InMemoryNonces();
    private final SignedRequestVerifier verifier =
            new SignedRequestVerifier(keyStore(), nonces, MutableClock.of(NOW, ZoneOffset.UTC), SignedRequestVerifier.DEFAULT_WINDOW);

    /** A correctly signed request, then {@code tamper} applied to what arrives. */
    private record Sent(String parameters, SignedRequestInput input) {}

    private static Sent signed(Map<String, List<String>> headers, UnaryOperator<SignedRequestInput> tamper) {
        SignedRequestInput input = request(headers, PATH, QUERY, BODY);
        String authorization = SignedRequestSigner.authorization(input, KEY_ID, SECRET, List.of("content-type"));
        return new Sent(parameters(authorization), tamper.apply(input));
    }

    private static Sent signed(UnaryOperator<SignedRequestInput> tamper) {
        return signed(headers(DATE, "nonce-0000000000000001"), tamper);
    }

    private static SignedRequestInput withHeader(SignedRequestInput in, String name, List<String> values) {
        var headers = new LinkedHashMap<>(in.headers());
        if (values == null) {
            headers.remove(name);
        } else {
            headers.put(name, values);
        }
        return new SignedRequestInput(in.method(), in.rawPath(), in.rawQuery(), headers, in.bodySha256());
    }

    private static Sent withParameters(String parameters) {
        return new Sent(parameters, signed(UnaryOperator.identity()).input());
    }

    static Stream<Arguments> bad_requests() {
        Sent good = signed(UnaryOperator.identity());
        String sig = good.parameters().substring(good.parameters().indexOf("Signature=") + 10);
        String noSig = good.parameters().substring(0, good.parameters().indexOf("Signature="));
        return Stream.of(
                Arguments.of("date 6 minutes in the past", signed(headers("20260115T115400Z", "nonce-0000000000000002"), UnaryOperator.identity()), Reason.REQUEST_EXPIRED),
                Arguments.of("date 6 minutes in the future", signed(headers("20260115T120600Z", "nonce-0000000000000003"), UnaryOperator.identity()), Reason.REQUEST_EXPIRED),
                Arguments.of("date not in ISO basic format", signed(headers("2026-01-15T12:00:00Z", "nonce-0000000000000004"), UnaryOperator.identity()), Reason.CREDENTIALS_MALFORMED),
                Arguments.of("nonce too short", signed(headers(DATE, "short"), UnaryOperator.identity()), Reason.CREDENTIALS_MALFORMED),
                Arguments.of("altered body", signed(in -> new SignedRequestInput(in.method(), in.rawPath(), in.rawQuery(), in.headers(),
                        SignedRequestInput.sha256Hex("{\"points\":[1]}".getBytes()))), Reason.SIGNATURE_INVALID),
                Arguments.of("altered path", signed(in -> new SignedRequestInput(in.method(), "/storage/v1/datasets/mem/points", in.rawQuery(), in.headers(), in.bodySha256())), Reason.SIGNATURE_INVALID),
                Arguments.of("altered method", signed(in -> new SignedRequestInput("PUT", in.rawPath(), in.rawQuery(), in.headers(), in.bodySha256())), Reason.SIGNATURE_INVALID),
                Arguments.of("altered query value", signed(in -> new SignedRequestInput(in.method(), in.rawPath(), "precision=ms&b=2&a=1", in.headers(), in.bodySha256())), Reason.SIGNATURE_INVALID),
                Arguments.of("added query parameter", signed(in -> new SignedRequestInput(in.method(), in.rawPath(), QUERY + "&c=3", in.headers(), in.bodySha256())), Reason.SIGNATURE_INVALID),
                Arguments.of("altered signed tenant header", signed(in -> withHeader(in, "x-tenant-id", List.of("globex"))), Reason.SIGNATURE_INVALID),
                Arguments.of("altered host", signed(in -> withHeader(in, "host", List.of("evil.example"))), Reason.SIGNATURE_INVALID),
                Arguments.of("unsigned tenant header added in transit", signed(headersWithoutTenant(),
                        in -> withHeader(in, "x-tenant-id", List.of("globex"))), Reason.SIGNED_HEADERS_INCOMPLETE),
                Arguments.of("signed header removed in transit", signed(in -> withHeader(in, "content-type", null)), Reason.SIGNED_HEADERS_INCOMPLETE),
                Arguments.of("nonce not signed", withParameters(good.parameters().replace(";x-ts-nonce", "")), Reason.SIGNED_HEADERS_INCOMPLETE),
                Arguments.of("host not signed", withParameters(good.parameters().replace(";host", "")), Reason.SIGNED_HEADERS_INCOMPLETE),
                Arguments.of("signed headers unsorted", withParameters(good.parameters().replace("content-type;host", "host;content-type")), Reason.CREDENTIALS_MALFORMED),
                Arguments.of("unknown key id", withParameters(good.parameters().replace(KEY_ID, "svc-unknown")), Reason.KEY_UNKNOWN),
                Arguments.of("key id with SQL", withParameters(good.parameters().replace(KEY_ID, "x';--")), Reason.CREDENTIALS_MALFORMED),
                Arguments.of("revoked key", withParameters(good.parameters().replace(KEY_ID, "svc-old")), Reason.TOKEN_REVOKED),
                Arguments.of("expired key", withParameters(good.parameters().replace(KEY_ID, "svc-expired")), Reason.TOKEN_EXPIRED),
                Arguments.of("revoked key, wrong signature", withParameters(
                        (noSig + "Signature=" + "0".repeat(64)).replace(KEY_ID, "svc-old")), Reason.SIGNATURE_INVALID),
                Arguments.of("expired key, wrong signature", withParameters(
                        (noSig + "Signature=" + "0".repeat(64)).replace(KEY_ID, "svc-expired")), Reason.SIGNATURE_INVALID),
                Arguments.of("signature one digit short", withParameters(noSig + "Signature=" + sig.substring(1)), Reason.SIGNATURE_INVALID),
                Arguments.of("signature one digit long", withParameters(noSig + "Signature=" + sig + "0"), Reason.SIGNATURE_INVALID),
                Arguments.of("signature in upper-case hex", withParameters(noSig + "Signature=" + sig.toUpperCase()), Reason.SIGNATURE_INVALID),
                Arguments.of("signature of zeros", withParameters(noSig + "Signature=" + "0".repeat(64)), Reason.SIGNATURE_INVALID),
                Arguments.of("Credential repeated", withParameters("Credential=svc-old, " + good.parameters()), Reason.CREDENTIALS_MALFORMED),
                Arguments.of("unknown parameter", withParameters(good.parameters() + ", Region=eu"), Reason.CREDENTIALS_MALFORMED),
                Arguments.of("Signature missing", withParameters(noSig.strip().replaceAll(",$", "")), Reason.CREDENTIALS_MALFORMED));
    }

    private static Map<String, List<String>> headersWithoutTenant() {
        var headers = headers(DATE, "nonce-0000000000000005");
        headers.remove("X-Tenant-ID");
        return headers;
    }

    @ParameterizedTest(name = "{0} is refused with {2}")
    @MethodSource("bad_requests")
    void bad_signed_requests_are_refused_and_leave_no_nonce_behind(String name, Sent sent, Reason expected) {
        var failure = assertThrows(AuthenticationFailure.class, () -> verifier.verify(sent.parameters(), sent.input()));

        assertThat(failure.reason()).as(name).isEqualTo(expected);
        assertThat(failure.getMessage()).doesNotContain(new String(SECRET));
        assertThat(nonces.size()).isZero();
    }

    @Test
    void only_a_wrong_signature_with_an_existing_key_is_held_against_that_key() {
        Sent good = signed(UnaryOperator.identity());
        String noSig = good.parameters().substring(0, good.parameters().indexOf("Signature="));
        Sent wrong = withParameters(noSig + "Signature=" + "0".repeat(64));
        Sent unknown = withParameters(wrong.parameters().replace(KEY_ID, "svc-unknown"));

        var wrongFailure = assertThrows(AuthenticationFailure.class, () -> verifier.verify(wrong.parameters(), wrong.input()));
        var unknownFailure = assertThrows(AuthenticationFailure.class, () -> verifier.verify(unknown.parameters(), unknown.input()));

        assertThat(wrongFailure.credential()).contains(new AuthenticationFailure.Credential(AuthMethod.SIGNED_REQUEST, KEY_ID));
        assertThat(unknownFailure.credential()).isEmpty();
    }

    @Test
    void correctly_signed_request_yields_a_service_principal_of_the_keys_tenant() {
        Sent sent = signed(UnaryOperator.identity());

        Principal principal = verifier.verify(sent.parameters(), sent.input());

        assertThat(principal.subject()).isEqualTo(KEY_ID);
        assertThat(principal.kind()).isEqualTo(PrincipalKind.SERVICE);
        assertThat(principal.authMethod()).isEqualTo(AuthMethod.SIGNED_REQUEST);
        assertThat(principal.tenantClaim()).contains(new TenantId("acme"));
        assertThat(principal.roles()).containsExactly("runtime-writer");
    }

    @Test
    void request_replayed_within_the_window_is_refused() {
        Sent sent = signed(UnaryOperator.identity());
        verifier.verify(sent.parameters(), sent.input());

        var failure = assertThrows(AuthenticationFailure.class, () -> verifier.verify(sent.parameters(), sent.input()));

        assertThat(failure.reason()).isEqualTo(Reason.REPLAY);
    }

    @Test
    void request_signed_5_minutes_ago_is_still_accepted() {
        var clock = MutableClock.of(NOW.plus(Duration.ofMinutes(5)), ZoneOffset.UTC);
        var verifier = new SignedRequestVerifier(keyStore(), nonces, clock, SignedRequestVerifier.DEFAULT_WINDOW);
        Sent sent = signed(UnaryOperator.identity());

        assertThat(verifier.verify(sent.parameters(), sent.input()).subject()).isEqualTo(KEY_ID);
    }

    @Test
    void query_parameters_may_arrive_reordered_and_differently_encoded() {
        Sent sent = signed(in -> new SignedRequestInput(in.method(), in.rawPath(), "a=%31&b=2&precision=n%73", in.headers(), in.bodySha256()));

        assertThat(verifier.verify(sent.parameters(), sent.input()).subject()).isEqualTo(KEY_ID);
    }

    @Test
    void window_longer_than_15_minutes_is_refused_at_startup() {
        var error = assertThrows(IllegalArgumentException.class,
                () -> new SignedRequestVerifier(keyStore(), nonces, MutableClock.of(NOW, ZoneOffset.UTC), Duration.ofHours(1)));

        assertThat(error.getMessage()).contains("signed_requests.window").contains("PT1H");
    }
}
