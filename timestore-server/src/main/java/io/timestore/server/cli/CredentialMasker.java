package io.timestore.server.cli;

import java.util.List;
import java.util.regex.Pattern;
import net.logstash.logback.mask.ValueMasker;
import tools.jackson.core.TokenStreamContext;

/**
 * Masks credential-shaped text in every string value of a JSON log line, and in the message and
 * key-value pairs of a text line ({@link MaskedConverter}) (G7): the credential after an
 * {@code Authorization} scheme ({@code Bearer}, {@code Token}, {@code TS1-HMAC-SHA256}, up to the
 * next space), API tokens ({@code tsk_...}) and compact JWS/JWT ({@code eyJ...x.y.z}) become
 * {@code ****}. In a text line that can take a closing quote with it: masking errs that way.
 *
 * <p>Every pattern needs a literal its value must contain, so a value is first checked for those
 * literals with plain {@code String.contains} and only a value holding one is run through the
 * patterns. That keeps the result exactly the patterns' while taking the regex engine off the path
 * of ordinary lines: masking every value with the lookbehind pattern directly was a quarter of the
 * server's CPU under load (the access log writes a line per request).
 */
public final class CredentialMasker implements ValueMasker {
    static final String MASK = "****";
    private static final List<String> TRIGGERS = List.of("Bearer ", "Token ", "TS1-HMAC-SHA256 ", "tsk_", "eyJ");
    private static final List<Pattern> PATTERNS = List.of(
            Pattern.compile("(?<=\\b(?:Bearer|Token|TS1-HMAC-SHA256) )\\S+"),
            Pattern.compile("\\btsk_[A-Za-z0-9_\\-]+"),
            Pattern.compile("\\beyJ[A-Za-z0-9_\\-]*\\.[A-Za-z0-9_\\-]*\\.[A-Za-z0-9_\\-]*"));

    @Override
    public Object mask(TokenStreamContext context, Object value) {
        if (!(value instanceof CharSequence sequence)) {
            return null;
        }
        String text = sequence.toString();
        String masked = masked(text);
        return masked.equals(text) ? null : masked;
    }

    /** {@code text} with every credential-shaped part replaced by {@code ****}; the same instance if none. */
    static String masked(String text) {
        if (!mayHoldCredential(text)) {
            return text;
        }
        String masked = text;
        for (var pattern : PATTERNS) {
            masked = pattern.matcher(masked).replaceAll(MASK);
        }
        return masked;
    }

    static boolean mayHoldCredential(String text) {
        for (var trigger : TRIGGERS) {
            if (text.contains(trigger)) {
                return true;
            }
        }
        return false;
    }
}
