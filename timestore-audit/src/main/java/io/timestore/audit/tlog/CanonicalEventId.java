package io.timestore.audit.tlog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Arrays;

/**
 * The {@code event_id} inside an event's canonical bytes: a version line ({@code ts-audit-v1}), a
 * line feed, then the event as canonical JSON ({@code docs/audit-events.md} §5). Lets a receipt bind
 * its event id to the leaf it proves.
 */
final class CanonicalEventId {
    private CanonicalEventId() {}

    /** @throws InvalidProof if the bytes are not a version line and a JSON event with an event_id */
    static String of(byte[] canonical) {
        int newline = -1;
        for (int i = 0; i < canonical.length && newline < 0; i++) {
            if (canonical[i] == '\n') {
                newline = i;
            }
        }
        if (newline < 0) {
            throw new InvalidProof("the canonical bytes start with a version line");
        }
        try {
            JsonNode event = new ObjectMapper().readTree(Arrays.copyOfRange(canonical, newline + 1, canonical.length));
            JsonNode id = event == null ? null : event.get("event_id");
            if (id == null || !id.isTextual()) {
                throw new InvalidProof("the canonical event has no event_id");
            }
            return id.textValue();
        } catch (IOException e) {
            throw new InvalidProof("the canonical bytes after the version line are not a JSON event with an event_id");
        }
    }
}
