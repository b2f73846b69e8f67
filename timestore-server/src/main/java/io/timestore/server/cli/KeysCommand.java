package io.timestore.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.jwk.ECKey;
import io.timestore.audit.checkpoint.CheckpointKeys;
import io.timestore.server.Timestore;
import io.timestore.server.config.InvalidSettings;
import io.timestore.server.config.Settings;
import io.timestore.server.config.SettingsLoader;
import io.timestore.server.identity.DevIssuer;
import io.timestore.server.identity.KeyFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/**
 * Key rotation (docs/security.md "Key rotation"): each subcommand writes a new key over the file a
 * running server watches, which switches to it without a restart while the old key still verifies
 * what it signed. Each prints one JSON object naming the new and the previous key id. The master
 * keys that encrypt stored secrets have their own commands ({@link MasterKeyCommands}).
 */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Rotate Timestore's own keys without a restart.",
        subcommands = {KeysCommand.RotateCheckpointKey.class, KeysCommand.RotateDevIssuerKey.class,
                MasterKeyCommands.Rotate.class, MasterKeyCommands.Reencrypt.class, MasterKeyCommands.Retire.class})
final class KeysCommand implements Runnable {
    @ParentCommand
    Main main;

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(main.out());
    }

    Settings settings(CommonOptions common) {
        var settings = SettingsLoader.load(common.flags(), common.configFile(), main.environment());
        Logging.configure(settings.logFormat(), false);
        return settings;
    }

    /** Writes {@code text} over {@code file} atomically, owner-readable only. */
    static void replace(Path file, String text, String setting) {
        try {
            var temp = Files.createTempFile(file.toAbsolutePath().getParent(), ".rotate", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temp, text);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | UnsupportedOperationException e) {
            throw new InvalidSettings(setting, "cannot write the new key to %s (%s)".formatted(file, e.getClass().getSimpleName()));
        }
    }

    void print(String keyId, String previousKeyId, Path file) {
        var json = new ObjectMapper();
        ObjectNode body = json.createObjectNode().put("key_id", keyId).put("previous_key_id", previousKeyId)
                .put("file", file.toAbsolutePath().normalize().toString());
        main.out().println(body.toString());
    }

    /**
     * Replaces the audit checkpoint key ({@code audit.signing-key-file}, or the data directory's)
     * with a new Ed25519 key pair. A running server picks it up within seconds
     * (identity.CheckpointKeyRotation); the old public key stays published, so every checkpoint it
     * signed still verifies, and it co-signs tree notes for {@code AuditSettings.SIGNING_KEY_GRACE}.
     */
    @Command(name = "rotate-checkpoint-key", mixinStandardHelpOptions = true,
            description = "Replace the audit checkpoint signing key; a running server switches to it without restart.")
    static final class RotateCheckpointKey implements Callable<Integer> {
        @ParentCommand
        KeysCommand keys;

        @Mixin
        CommonOptions common;

        @Override
        public Integer call() {
            var settings = keys.settings(common);
            var keyFiles = new KeyFiles(settings.dataDir());
            // The key in use now: a data directory without one has nothing to rotate.
            var previous = Timestore.existingCheckpointKeys(settings, keyFiles);
            var file = settings.audit().signingKeyFile().orElse(keyFiles.path(Timestore.CHECKPOINT_KEY_FILE));
            var next = CheckpointKeys.generate(new SecureRandom());
            replace(file, CheckpointKeys.toFileText(next), "audit.signing-key-file");
            keys.print(CheckpointKeys.keyId(next.getPublic()), CheckpointKeys.keyId(previous.getPublic()), file);
            return 0;
        }
    }

    /**
     * Replaces the development issuer's key in the data directory. A running server signs new
     * tokens with it within seconds and keeps trusting the old key for {@code DevIssuer.MAX_TTL},
     * the longest any of its tokens lives, then retires it.
     */
    @Command(name = "rotate-dev-issuer-key", mixinStandardHelpOptions = true,
            description = "Replace the development JWT issuer key; tokens of the old key stay valid until they expire (at most 15m).")
    static final class RotateDevIssuerKey implements Callable<Integer> {
        @ParentCommand
        KeysCommand keys;

        @Mixin
        CommonOptions common;

        @Override
        public Integer call() throws java.text.ParseException {
            var settings = keys.settings(common);
            var keyFiles = new KeyFiles(settings.dataDir());
            var file = DevIssuer.keyFile(keyFiles);
            var previous = keyFiles.read(file.getFileName().toString()).orElseThrow(() -> new InvalidSettings("data-dir",
                    "no development issuer key at %s: start the server on this data directory first".formatted(file.toAbsolutePath().normalize())));
            var next = DevIssuer.generate();
            replace(file, next + "\n", "data-dir");
            keys.print(ECKey.parse(next).getKeyID(), ECKey.parse(previous).getKeyID(), file);
            return 0;
        }
    }
}
