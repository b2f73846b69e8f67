package io.timestore.server.testing;

import io.timestore.audit.checkpoint.CheckpointKeys;
import io.timestore.server.identity.DevIssuer;
import io.timestore.server.identity.KeyFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;

/**
 * What the server processes of one deployment share, made in their one data directory before any
 * of them starts (so no two race to generate a key): the audit checkpoint key, a master key, the
 * development issuer's key and the configuration file. {@code environment} points a process at
 * them and at the database.
 */
record DeploymentKeys(Map<String, String> environment, Path configFile, Tokens tokens) {
    /** Makes the keys and writes {@code config} (YAML, may be empty) under {@code dataDir}. */
    static DeploymentKeys in(Path dataDir, String jdbcUrl, String config) throws IOException {
        var checkpointKey = dataDir.resolve("audit-checkpoint.key");
        Files.writeString(checkpointKey, CheckpointKeys.toFileText(CheckpointKeys.generate(new SecureRandom())));
        var masterKey = new byte[32];
        new SecureRandom().nextBytes(masterKey);
        var configFile = Files.writeString(dataDir.resolve("timestore.yaml"), config);
        var issuer = DevIssuer.load(new KeyFiles(dataDir), "timestore", io.timestore.security.jwt.ClaimNames.defaults(), InstantSource.system());
        return new DeploymentKeys(Map.of(
                "TIMESTORE_DB_URL", jdbcUrl,
                "TIMESTORE_MASTER_KEY", Base64.getEncoder().encodeToString(masterKey),
                "TIMESTORE_DEV_ISSUER", "on",
                "TIMESTORE_AUDIT_SIGNING_KEY_FILE", checkpointKey.toString()), configFile, new Tokens(issuer));
    }
}
