package io.timestore.server.http;

import io.javalin.http.Context;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.ProblemType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Proactive content negotiation (RFC 9110 §12.5.1): which of the media types a route produces
 * its response in the request's {@code Accept} header asks for. Stateless; thread-safe.
 *
 * <p>Each offered type takes the weight ({@code q}, default 1) of the most specific media range
 * that matches it ({@code type/subtype} before {@code type/*} before {@code *&#47;*}); weight 0
 * refuses it. The heaviest type wins; among equals, the one whose range comes first in the
 * header, then the route's own order. No {@code Accept} (or a blank one) accepts anything, so
 * the route's first type is chosen. Parameters other than {@code q} are ignored (every text
 * representation is UTF-8), as are ranges that cannot be parsed; a lone {@code *} (sent by some
 * HTTP libraries) reads as {@code *&#47;*}.
 */
public final class Representations {
    public static final String JSON = "application/json";
    public static final String CSV = "text/csv";
    public static final String NDJSON = "application/x-ndjson";

    private Representations() {}

    /**
     * The type of {@code offered} the request accepts best.
     *
     * @throws InvalidRequest 406 {@code not_acceptable} when it accepts none of them
     */
    public static String choose(Context ctx, List<String> offered) {
        var accept = Collections.list(ctx.req().getHeaders("Accept"));
        return choose(accept, offered).orElseThrow(() -> new InvalidRequest(ProblemType.NOT_ACCEPTABLE,
                "Accept '%s' matches none of the media types this route produces: %s".formatted(
                        excerpt(String.join(", ", accept)), String.join(", ", offered))));
    }

    /** {@link #choose(Context, List)} over the header's values (one per header line); empty if none is acceptable. */
    static Optional<String> choose(List<String> acceptValues, List<String> offered) {
        var ranges = new ArrayList<Range>();
        for (var value : acceptValues) {
            for (var part : splitOutsideQuotes(value)) {
                Range.parse(part, ranges.size()).ifPresent(ranges::add);
            }
        }
        if (ranges.isEmpty() && acceptValues.stream().allMatch(String::isBlank)) {
            return offered.stream().findFirst();
        }
        String best = null;
        Range bestRange = null;
        for (var type : offered) {
            var range = mostSpecific(ranges, type);
            if (range == null || range.weight() == 0) {
                continue;
            }
            if (bestRange == null || range.weight() > bestRange.weight()
                    || (range.weight() == bestRange.weight() && range.position() < bestRange.position())) {
                best = type;
                bestRange = range;
            }
        }
        return Optional.ofNullable(best);
    }

    private static Range mostSpecific(List<Range> ranges, String type) {
        Range found = null;
        for (var range : ranges) {
            if (range.matches(type) && (found == null || range.specificity() > found.specificity())) {
                found = range;
            }
        }
        return found;
    }

    /** Splits a header value at commas that are not inside a quoted parameter value. */
    private static List<String> splitOutsideQuotes(String value) {
        var parts = new ArrayList<String>();
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' && (i == 0 || value.charAt(i - 1) != '\\')) {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                parts.add(value.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(value.substring(start));
        return parts;
    }

    /** One media range of the header: its type and subtype (lower case, maybe {@code *}), weight and position. */
    private record Range(String type, String subtype, double weight, int position) {
        static Optional<Range> parse(String text, int position) {
            var parts = text.split(";");
            var mediaRange = parts[0].strip().toLowerCase(Locale.ROOT);
            if (mediaRange.isEmpty()) {
                return Optional.empty();
            }
            if (mediaRange.equals("*")) {
                mediaRange = "*/*";
            }
            int slash = mediaRange.indexOf('/');
            if (slash <= 0 || slash == mediaRange.length() - 1 || mediaRange.indexOf('/', slash + 1) >= 0) {
                return Optional.empty();
            }
            var type = mediaRange.substring(0, slash);
            var subtype = mediaRange.substring(slash + 1);
            if (type.equals("*") && !subtype.equals("*")) {
                return Optional.empty();
            }
            double weight = 1;
            for (int i = 1; i < parts.length; i++) {
                var parameter = parts[i].strip();
                if (parameter.regionMatches(true, 0, "q=", 0, 2)) {
                    try {
                        weight = Double.parseDouble(parameter.substring(2).strip());
                    } catch (NumberFormatException e) {
                        return Optional.empty();
                    }
                    if (!(weight >= 0 && weight <= 1)) {
                        return Optional.empty();
                    }
                }
            }
            return Optional.of(new Range(type, subtype, weight, position));
        }

        boolean matches(String offered) {
            int slash = offered.indexOf('/');
            return (type.equals("*") || type.equals(offered.substring(0, slash)))
                    && (subtype.equals("*") || subtype.equals(offered.substring(slash + 1)));
        }

        int specificity() {
            return type.equals("*") ? 0 : subtype.equals("*") ? 1 : 2;
        }
    }

    /** Header text for a problem's detail: printable ASCII only, at most 200 characters. */
    private static String excerpt(String value) {
        var clean = value.replaceAll("[^\\x20-\\x7E]", "?");
        return clean.length() <= 200 ? clean : clean.substring(0, 200) + "...";
    }
}
