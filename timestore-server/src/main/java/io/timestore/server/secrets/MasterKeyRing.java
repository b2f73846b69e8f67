package io.timestore.server.secrets;

import io.timestore.server.config.MasterKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The master keys that encrypt stored secrets (docs/security.md "Key rotation"): exactly one
 * active key seals every new secret, older keys only open what they sealed until re-encryption
 * has moved it to the active key and they are retired. {@code legacyId} is the key that sealed the
 * secrets stored before ciphertexts carried a key id (the configured {@code secrets.master-key}).
 * Immutable; {@link #toString()} shows ids only.
 */
public final class MasterKeyRing {
    /** What a key may do. */
    public enum State {
        ACTIVE("active"), DECRYPT_ONLY("decrypt-only");

        private final String label;

        State(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        static Optional<State> parse(String label) {
            for (var state : values()) {
                if (state.label.equals(label)) {
                    return Optional.of(state);
                }
            }
            return Optional.empty();
        }
    }

    private static final String HEADER = """
            # Timestore master keys (docs/security.md "Key rotation"): one key a line, <id> <state> <base64 key>.
            # Exactly one is active (it encrypts new secrets); decrypt-only keys open what they encrypted.
            # Written by `timestore keys rotate-master-key` / `retire-master-key`; keep this file secret.
            """;

    private final Map<String, MasterKey> keys;
    private final String activeId;
    private final String legacyId;

    private MasterKeyRing(Map<String, MasterKey> keys, String activeId, String legacyId) {
        this.keys = keys;
        this.activeId = activeId;
        this.legacyId = legacyId;
    }

    /** A ring of the one configured key, before any rotation. */
    public static MasterKeyRing of(MasterKey root) {
        var keys = new LinkedHashMap<String, MasterKey>();
        keys.put(root.id(), root);
        return new MasterKeyRing(keys, root.id(), root.id());
    }

    /**
     * Parses the master-key file's text: every line {@code <id> <state> <base64 key>} with the id
     * matching the key, exactly one {@code active}; {@code #} lines are comments.
     *
     * @throws IllegalArgumentException naming the line that is wrong (never echoing key material)
     */
    public static MasterKeyRing parse(String text, String legacyId) {
        var keys = new LinkedHashMap<String, MasterKey>();
        String active = null;
        int number = 0;
        for (var line : text.split("\n", -1)) {
            number++;
            var trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            var parts = trimmed.split("\\s+");
            if (parts.length != 3) {
                throw new IllegalArgumentException("line %d: expected <id> <state> <base64 key>".formatted(number));
            }
            int at = number;
            var state = State.parse(parts[1]).orElseThrow(() -> new IllegalArgumentException(
                    "line %d: state must be active or decrypt-only".formatted(at)));
            MasterKey key;
            try {
                key = new MasterKey(Base64.getDecoder().decode(parts[2]));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line %d: the key is not base64 of 32 or more bytes".formatted(number));
            }
            if (!key.id().equals(parts[0])) {
                throw new IllegalArgumentException("line %d: id %s does not match its key".formatted(number, parts[0]));
            }
            if (keys.putIfAbsent(key.id(), key) != null) {
                throw new IllegalArgumentException("line %d: key %s is listed twice".formatted(number, key.id()));
            }
            if (state == State.ACTIVE) {
                if (active != null) {
                    throw new IllegalArgumentException("line %d: a second active key (%s is active already)".formatted(number, active));
                }
                active = key.id();
            }
        }
        if (active == null) {
            throw new IllegalArgumentException("no active key");
        }
        return new MasterKeyRing(keys, active, legacyId);
    }

    /** The file text of this ring (key material included: for the master-key file only). */
    public String toFileText() {
        var text = new StringBuilder(HEADER);
        keys.forEach((id, key) -> text.append(id).append(' ').append(state(id).label()).append(' ').append(key.toBase64()).append('\n'));
        return text.toString();
    }

    /** This ring with a new active key; the previous active key becomes decrypt-only. */
    public MasterKeyRing rotatedTo(MasterKey next) {
        if (keys.containsKey(next.id())) {
            throw new IllegalArgumentException("key " + next.id() + " is already in the ring");
        }
        var more = new LinkedHashMap<>(keys);
        more.put(next.id(), next);
        return new MasterKeyRing(more, next.id(), legacyId);
    }

    /** This ring without {@code id}, which must be a decrypt-only key in it. */
    public MasterKeyRing without(String id) {
        if (!keys.containsKey(id)) {
            throw new IllegalArgumentException("no master key " + id + " (keys: " + String.join(", ", ids()) + ")");
        }
        if (id.equals(activeId)) {
            throw new IllegalArgumentException("key " + id + " is the active key: rotate to a new key before retiring it");
        }
        var fewer = new LinkedHashMap<>(keys);
        fewer.remove(id);
        return new MasterKeyRing(fewer, activeId, legacyId);
    }

    public MasterKey active() {
        return keys.get(activeId);
    }

    public String activeId() {
        return activeId;
    }

    /** The id that ciphertexts without a key id (stored before key ids existed) were sealed with. */
    public String legacyId() {
        return legacyId;
    }

    public Optional<MasterKey> key(String id) {
        return Optional.ofNullable(keys.get(id));
    }

    /** Every key id, in file order. */
    public List<String> ids() {
        return new ArrayList<>(keys.keySet());
    }

    public State state(String id) {
        Objects.requireNonNull(keys.get(id), id);
        return id.equals(activeId) ? State.ACTIVE : State.DECRYPT_ONLY;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof MasterKeyRing ring && ring.toFileText().equals(toFileText()) && ring.legacyId.equals(legacyId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(activeId, ids());
    }

    @Override
    public String toString() {
        return "MasterKeyRing[active=" + activeId + ", keys=" + ids() + "]";
    }
}
