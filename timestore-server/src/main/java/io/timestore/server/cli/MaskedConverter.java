package io.timestore.server.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.pattern.CompositeConverter;

/**
 * {@code %masked(...)} in a logback pattern: the enclosed text with credentials masked, as the
 * JSON format's {@link CredentialMasker} masks them, so the text format keeps G7 too.
 */
public final class MaskedConverter extends CompositeConverter<ILoggingEvent> {
    @Override
    protected String transform(ILoggingEvent event, String in) {
        return CredentialMasker.masked(in);
    }
}
