package io.timestore.server.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.timestore.server.config.InvalidSettings;
import io.timestore.server.config.MasterKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The master-key file as a server reads it (docs/security.md "The master keys"): absent, the
 * configured key alone; unusable at start, a configuration error naming the setting; changed while
 * running, switched to, or refused with the keys in use kept.
 */
class MasterKeysTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final MasterKey root = key();

    @TempDir
    Path dir;

    @Test
    void without_a_file_the_configured_key_is_the_one_active_key_and_the_first_rotation_writes_the_file() throws Exception {
        var file = dir.resolve("master-keys");
        var keys = MasterKeys.load(root, Optional.of(file));
        assertThat(keys.get().ids()).containsExactly(root.id());
        assertThat(keys.get().activeId()).isEqualTo(root.id());

        var next = key();
        keys.write(keys.get().rotatedTo(next));

        assertThat(MasterKeys.load(root, Optional.of(file)).get()).isEqualTo(keys.get());
        assertThat(keys.get().state(root.id())).isEqualTo(MasterKeyRing.State.DECRYPT_ONLY);
        assertThat(keys.get().activeId()).isEqualTo(next.id());
        assertThat(Files.getPosixFilePermissions(file)).map(Object::toString).containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
    }

    @Test
    void an_unusable_file_at_start_is_a_configuration_error_naming_the_setting_and_no_key() throws Exception {
        var file = dir.resolve("master-keys");
        var text = MasterKeyRing.of(root).rotatedTo(key()).toFileText();
        Files.writeString(file, text.replace("active", "retired"));

        assertThatThrownBy(() -> MasterKeys.load(root, Optional.of(file))).isInstanceOf(InvalidSettings.class)
                .hasMessageContaining("secrets.master-key-file").hasMessageContaining("line")
                .hasMessageNotContaining(root.toBase64());
    }

    @Test
    void without_a_file_to_write_rotation_needs_the_setting() {
        var keys = MasterKeys.load(root, Optional.empty());

        assertThatThrownBy(() -> keys.write(keys.get().rotatedTo(key()))).isInstanceOf(InvalidSettings.class)
                .hasMessageContaining("secrets.master-key-file");
    }

    @Test
    void a_changed_file_is_switched_to_and_a_broken_change_is_refused_keeping_the_keys_in_use() throws Exception {
        var file = dir.resolve("master-keys");
        var registry = new SimpleMeterRegistry();
        var keys = MasterKeys.load(root, Optional.of(file)).bind(registry);
        var rotated = keys.get().rotatedTo(key());

        Files.writeString(file, rotated.toFileText());
        keys.reloadIfChanged();
        assertThat(keys.get()).isEqualTo(rotated);
        Files.writeString(file, "mk_0000000000000000 active not-base64\n");
        keys.reloadIfChanged();

        assertThat(keys.get()).as("the keys in use stay").isEqualTo(rotated);
        assertThat(registry.get("timestore_master_key_reloads_total").tag("outcome", "reloaded").counter().count()).isEqualTo(1);
        assertThat(registry.get("timestore_master_key_reloads_total").tag("outcome", "refused").counter().count()).isEqualTo(1);
        assertThat(registry.get("timestore_master_keys").tag("key_id", rotated.activeId()).tag("state", "active").gauge().value())
                .isEqualTo(1);
    }

    private static MasterKey key() {
        var bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return new MasterKey(bytes);
    }
}
