package io.timestore.server.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timestore.server.config.MasterKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** The stored form of a secret: the master key's id in front, bound to its row; the form before key ids still opens. */
class SecretBoxTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final MasterKey root = key();
    private final MasterKeyRing original = MasterKeyRing.of(root);

    @Test
    void a_secret_names_the_key_that_sealed_it_and_opens_after_a_rotation_with_the_old_key_decrypt_only() {
        var stored = new SecretBox(() -> original, SecretTable.SIGNING_KEYS, RANDOM).seal(bytes("s3cret"), "acme", "hk_1");
        var rotated = original.rotatedTo(key());
        var box = new SecretBox(() -> rotated, SecretTable.SIGNING_KEYS, RANDOM);

        assertThat(SecretBox.keyId(stored, root.id())).isEqualTo(root.id());
        assertThat(box.open(stored, "acme", "hk_1")).isEqualTo(bytes("s3cret"));
        var resealed = box.reseal(stored, "acme", "hk_1");
        assertThat(SecretBox.keyId(resealed, root.id())).isEqualTo(rotated.activeId());
        assertThat(new SecretBox(() -> rotated.without(root.id()), SecretTable.SIGNING_KEYS, RANDOM).open(resealed, "acme", "hk_1"))
                .isEqualTo(bytes("s3cret"));
    }

    @Test
    void a_secret_stored_before_key_ids_opens_with_the_configured_key() throws Exception {
        var nonce = new byte[12];
        RANDOM.nextBytes(nonce);
        var cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(root.derive("audit-stream-encryption"), "AES"), new GCMParameterSpec(128, nonce));
        cipher.updateAAD(bytes("audit-stream:acme:as_1"));
        var sealed = cipher.doFinal(bytes("whsec"));
        var legacy = ByteBuffer.allocate(1 + 12 + sealed.length).put((byte) 1).put(nonce).put(sealed).array();

        var box = new SecretBox(() -> original.rotatedTo(key()), SecretTable.AUDIT_STREAMS, RANDOM);

        assertThat(SecretBox.keyId(legacy, root.id())).isEqualTo(root.id());
        assertThat(box.open(legacy, "acme", "as_1")).isEqualTo(bytes("whsec"));
    }

    @Test
    void a_secret_moved_to_another_row_or_table_or_with_its_key_id_changed_does_not_open() {
        var rotated = original.rotatedTo(key());
        var box = new SecretBox(() -> rotated, SecretTable.SIGNING_KEYS, RANDOM);
        var stored = box.seal(bytes("s3cret"), "acme", "hk_1");
        var relabelled = stored.clone();
        System.arraycopy(root.id().getBytes(StandardCharsets.US_ASCII), 0, relabelled, 2, root.id().length());

        assertThatThrownBy(() -> box.open(stored, "beta", "hk_1")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new SecretBox(() -> rotated, SecretTable.AUDIT_STREAMS, RANDOM).open(stored, "acme", "hk_1"))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> box.open(relabelled, "acme", "hk_1")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(root.id());
    }

    @Test
    void a_secret_sealed_with_a_key_the_server_does_not_hold_is_refused_naming_the_key_id_only() {
        var other = MasterKeyRing.of(key());
        var stored = new SecretBox(() -> other, SecretTable.SIGNING_KEYS, RANDOM).seal(bytes("s3cret"), "acme", "hk_1");

        assertThatThrownBy(() -> new SecretBox(() -> original, SecretTable.SIGNING_KEYS, RANDOM).open(stored, "acme", "hk_1"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(other.activeId())
                .hasMessageNotContaining(other.active().toBase64());
    }

    @Test
    void the_master_key_file_round_trips_and_a_bad_one_is_refused_by_line_without_echoing_keys() {
        var ring = original.rotatedTo(key());
        var text = ring.toFileText();

        assertThat(MasterKeyRing.parse(text, root.id())).isEqualTo(ring);
        assertThat(MasterKeyRing.parse(text, root.id()).state(root.id())).isEqualTo(MasterKeyRing.State.DECRYPT_ONLY);
        var wrongId = text.replace(ring.activeId(), "mk_0000000000000000");
        assertThatThrownBy(() -> MasterKeyRing.parse(wrongId, root.id())).hasMessageContaining("does not match its key")
                .hasMessageNotContaining(ring.active().toBase64());
        assertThatThrownBy(() -> MasterKeyRing.parse(text.replace("decrypt-only", "active"), root.id()))
                .hasMessageContaining("a second active key");
        assertThatThrownBy(() -> MasterKeyRing.parse(text.replace(" active ", " decrypt-only "), root.id())).hasMessage("no active key");
        assertThatThrownBy(() -> ring.without(ring.activeId())).hasMessageContaining("is the active key");
        assertThat(ring.toString()).doesNotContain(root.toBase64());
    }

    private static MasterKey key() {
        var bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return new MasterKey(bytes);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
