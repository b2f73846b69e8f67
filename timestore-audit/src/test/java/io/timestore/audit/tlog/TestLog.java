package io.timestore.audit.tlog;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A small tenant log for tests, built as a sequencer would: each event's canonical bytes (version
 * line and a JSON event with its event_id) hashed into a leaf, the completed nodes stored, and
 * checkpoints signed by a key named after the origin.
 */
record TestLog(String origin, NoteSigner key, List<UUID> eventIds, List<byte[]> canonical, InMemoryNodeStore store) {

    static TestLog create(String origin, int events) {
        var store = new InMemoryNodeStore();
        var range = CompactRange.empty();
        List<UUID> ids = new ArrayList<>();
        List<byte[]> canonical = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            UUID id = UUID.randomUUID();
            byte[] bytes = ("ts-audit-v1\n{\"event_id\":\"%s\",\"operation\":{\"action\":\"dataset:write\"},\"n\":%d}".formatted(id, i))
                    .getBytes(StandardCharsets.UTF_8);
            var appended = range.append(Rfc6962.leafHash(bytes));
            store.write(appended.completed());
            range = appended.range();
            ids.add(id);
            canonical.add(bytes);
        }
        return new TestLog(origin, NoteSigner.generate(origin, new SecureRandom()), ids, canonical, store);
    }

    TreeProofs proofs() {
        return new TreeProofs(store);
    }

    TreeHash root(long size) {
        return proofs().root(size);
    }

    NoteVerifiers verifiers() {
        return NoteVerifiers.of(key.verifierKey());
    }

    /** The signed checkpoint of the tree of {@code size} events. */
    Note checkpoint(long size) {
        return new TreeCheckpoint(origin, size, root(size)).sign(List.of(key));
    }

    /** The receipt of event {@code seq} against the checkpoint of size {@code size}. */
    Receipt receipt(long seq, long size) {
        return Receipt.of(eventIds.get((int) seq - 1), seq, canonical.get((int) seq - 1),
                proofs().inclusion(seq - 1, size), checkpoint(size));
    }
}
