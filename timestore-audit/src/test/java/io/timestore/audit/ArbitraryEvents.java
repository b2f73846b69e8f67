package io.timestore.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.audit.AuditEvent.Actor;
import io.timestore.audit.AuditEvent.ActorType;
import io.timestore.audit.AuditEvent.Operation;
import io.timestore.audit.AuditEvent.Outcome;
import io.timestore.audit.AuditEvent.Problem;
import io.timestore.audit.AuditEvent.Request;
import io.timestore.audit.AuditEvent.Result;
import io.timestore.audit.AuditEvent.Revision;
import io.timestore.audit.canonical.EventText;
import java.time.Instant;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** jqwik generators for events with hostile strings, odd numbers and nested details. */
final class ArbitraryEvents {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ArbitraryEvents() {}

    /** Any string, including U+0000, lone surrogates, quotes, controls and astral characters. */
    static Arbitrary<String> text() {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(12),
                Arbitraries.strings().withChars("\"\\\u0000\u001f\u007f\u2028\ud83d\ude00\ud800éa/ ").ofMaxLength(12),
                Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8));
    }

    static Arbitrary<String> nonBlank() {
        return text().filter(s -> !EventText.clean(s).isBlank());
    }

    static Arbitrary<String> optional(Arbitrary<String> values) {
        return values.injectNull(0.3);
    }

    static Arbitrary<JsonNode> scalar() {
        return Arbitraries.oneOf(
                text().map(NODES::textNode),
                Arbitraries.longs().map(NODES::numberNode),
                Arbitraries.doubles().map(NODES::numberNode),
                Arbitraries.bigIntegers().between(java.math.BigInteger.TEN.pow(30).negate(), java.math.BigInteger.TEN.pow(30))
                        .map(NODES::numberNode),
                Arbitraries.of(true, false).map(NODES::booleanNode),
                Arbitraries.just(NODES.nullNode()));
    }

    static Arbitrary<ObjectNode> object(int depth) {
        Arbitrary<JsonNode> value = depth <= 0 ? scalar() : Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, scalar()),
                net.jqwik.api.Tuple.of(1, object(depth - 1).map(o -> (JsonNode) o)),
                net.jqwik.api.Tuple.of(1, scalar().list().ofMaxSize(3).map(l -> {
                    var array = NODES.arrayNode();
                    l.forEach(array::add);
                    return (JsonNode) array;
                })));
        return Arbitraries.maps(text(), value).ofMaxSize(4).map(m -> {
            ObjectNode o = NODES.objectNode();
            m.forEach(o::set);
            return o;
        });
    }

    static Arbitrary<Actor> actor() {
        return Combinators.combine(nonBlank(), Arbitraries.of(ActorType.class), nonBlank().list().ofMaxSize(3),
                        nonBlank().list().ofMaxSize(3), nonBlank().list().ofMaxSize(2),
                        Arbitraries.of("jwt", "api_token", "signed_request", "none"))
                .as((id, type, roles, scopes, groups, method) ->
                        new Actor(type == ActorType.ANONYMOUS ? null : id, type, roles, scopes, groups, method));
    }

    static Arbitrary<Outcome> outcome() {
        return Combinators.combine(Arbitraries.of(Result.class), Arbitraries.integers().between(0, 199),
                        nonBlank(), optional(text()))
                .as((result, n, code, message) -> result == Result.SUCCEEDED
                        ? Outcome.succeeded(200 + n % 200)
                        : new Outcome(result, 400 + n, new Problem(code, message)));
    }

    static Arbitrary<AuditEvent> events() {
        Arbitrary<Instant> times = Combinators.combine(Arbitraries.longs().between(-62_135_596_800L, 253_402_300_799L),
                Arbitraries.integers().between(0, 999_999_999)).as(Instant::ofEpochSecond);
        Arbitrary<Revision> revisions = Combinators.combine(optional(nonBlank()), nonBlank())
                .as(Revision::new).injectNull(0.5);
        Arbitrary<Request> requests = Combinators.combine(Arbitraries.of("GET", "POST", "PATCH", "DELETE"), text(),
                        optional(nonBlank()), optional(text()))
                .as((method, path, ip, agent) -> new Request(method, "/" + path, ip, agent));
        Arbitrary<Operation> operations = Combinators.combine(nonBlank(), nonBlank(), optional(nonBlank()),
                        optional(nonBlank()), optional(nonBlank()))
                .as(Operation::new);
        Arbitrary<String> tenants = Arbitraries.oneOf(Arbitraries.just(AuditEvent.PLATFORM_PARTITION),
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(2).ofMaxLength(10));
        return Combinators.combine(
                        Combinators.combine(Arbitraries.randomValue(r -> new UUID(r.nextLong(), r.nextLong())), tenants, times,
                                nonBlank(), optional(nonBlank())).as((a, b, c, d, e) -> java.util.Arrays.<Object>asList(a, b, c, d, e)),
                        actor(), operations, outcome(), revisions, requests, object(2), Arbitraries.of(Severity.class))
                .as((head, actor, operation, outcome, revision, request, details, severity) -> new AuditEvent(
                        (UUID) head.get(0), (String) head.get(1), (Instant) head.get(2), (String) head.get(3),
                        (String) head.get(4), actor, operation, outcome, revision, request, Details.of(details),
                        severity, null));
    }
}
