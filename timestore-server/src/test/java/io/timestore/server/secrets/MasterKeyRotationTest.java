package io.timestore.server.secrets;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.security.signed.SignedRequestInput;
import io.timestore.security.signed.SignedRequestSigner;
import io.timestore.server.cli.Main;
import io.timestore.server.config.MasterKey;
import io.timestore.server.config.TenantStreamSettings;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.CapturedLogs;
import io.timestore.server.testing.CliProcess;
import io.timestore.server.testing.Directories;
import io.timestore.server.testing.TimestoreServer;
import io.timestore.server.testing.WebhookReceiver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Rotating the master key that encrypts stored secrets on a running server (docs/security.md "Key
 * rotation"): {@code keys rotate-master-key} adds a new active key the server picks up without a
 * restart, secrets sealed before (also before ciphertexts carried a key id) keep verifying,
 * {@code keys reencrypt-secrets} moves them to the new key in resumable, idempotent batches, and
 * {@code keys retire-master-key} removes an old key only once nothing uses it. Every step is a
 * {@code _platform} security event; no key material reaches logs, output or the audit trail.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MasterKeyRotationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final byte[] ROOT = random(32);
    private static final String ROOT_ID = new MasterKey(ROOT).id();
    private static final Path KEYS_DIR = tempDir();
    private static final Path KEYS_FILE = KEYS_DIR.resolve("master-keys");

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create()
            .with(s -> s.withMasterKey(new MasterKey(ROOT)).withMasterKeyFile(KEYS_FILE)
                    .withTenantStreams(new TenantStreamSettings(List.of(), true, true)));

    @BeforeAll
    static void tenants() {
        server.tenant("acme");
        server.tenant("beta");
    }

    @AfterAll
    static void removeKeys() {
        Directories.delete(KEYS_DIR);
    }

    @Test
    @Order(1) // the first needs the configured key still in the ring (the last retires it)
    void a_key_sealed_before_key_ids_or_before_a_rotation_verifies_after_rotation_and_after_reencryption() throws Exception {
        try (var receiver = WebhookReceiver.start(WebhookReceiver.newSecret())) {
            keysAndStreamOutliveRotation(receiver);
        }
    }

    private static void keysAndStreamOutliveRotation(WebhookReceiver receiver) throws Exception {
        var stream = server.api().postJson("/admin/v1/audit-streams", """
                {"name": "siem", "url": "%s", "format": "ocsf", "cloudevents": true}""".formatted(receiver.url("127.0.0.1")),
                bearer(server.tokens().user("acme", "tenant-admin")));
        assertThat(stream.statusCode()).as(stream.body()).isEqualTo(201);
        receiver.keyWith(stream.json().get("secret").asText());
        String streamId = stream.json().get("id").asText();
        var legacy = createSigningKey("acme");
        storeAsLegacy(legacy);
        var before = createSigningKey("acme");
        assertThat(storedKeyId(legacy)).as("a secret without a key id reads as the configured key's").isEqualTo(ROOT_ID);
        assertThat(signedStatus(legacy)).isEqualTo(200);

        var rotated = rotate();
        String newKey = rotated.get("key_id").asText();
        assertThat(rotated.get("previous_key_id").asText()).isEqualTo(storedKeyId(before));
        awaitServerActive(newKey);
        var after = createSigningKey("acme");

        assertThat(storedKeyId(after)).as("a key created after the rotation is sealed with the new key").isEqualTo(newKey);
        assertThat(List.of(signedStatus(legacy), signedStatus(before), signedStatus(after))).containsOnly(200);

        var reencrypted = cli("keys", "reencrypt-secrets");
        assertThat(reencrypted.code()).as(reencrypted.err()).isZero();
        assertThat(reencrypted.json().get("complete").asBoolean()).isTrue();
        assertThat(List.of(storedKeyId(legacy), storedKeyId(before), storedKeyId(after))).containsOnly(newKey);
        assertThat(List.of(signedStatus(legacy), signedStatus(before), signedStatus(after))).containsOnly(200);
        assertThat(SecretBox.keyId(stored("audit_streams", streamId), ROOT_ID)).as("audit stream secrets are re-encrypted too").isEqualTo(newKey);
        var tested = server.api().postJson("/admin/v1/audit-streams/" + streamId + "/test", "", bearer(server.tokens().user("acme", "tenant-admin")));
        assertThat(tested.json().get("delivered").asBoolean()).as(tested.body()).isTrue();
        assertThat(receiver.received().getLast().signatureValid()).as("signed with the secret the stream was created with").isTrue();
    }

    @Test
    @Order(2)
    void reencryption_stopped_part_way_resumes_where_it_stopped_and_a_finished_run_changes_nothing() throws Exception {
        var keys = List.of(createSigningKey("acme"), createSigningKey("acme"), createSigningKey("acme"),
                createSigningKey("beta"), createSigningKey("beta"));
        var rotated = rotate();
        String newKey = rotated.get("key_id").asText();
        long toDo = rotated.get("secrets_to_reencrypt").asLong();
        assertThat(toDo).isGreaterThanOrEqualTo(keys.size());
        awaitServerActive(newKey);

        var stopped = cli("keys", "reencrypt-secrets", "--limit", "2", "--batch-size", "1");
        assertThat(stopped.code()).as(stopped.err()).isZero();
        assertThat(stopped.json().get("reencrypted").asLong()).isEqualTo(2);
        assertThat(stopped.json().get("complete").asBoolean()).isFalse();
        assertThat(stopped.err().lines().filter(line -> line.contains("\"reencrypted\"")))
                .as("one progress line per committed batch").hasSize(2);
        assertThat(secretsNotUnder(newKey)).isEqualTo(toDo - 2);

        var resumed = cli("keys", "reencrypt-secrets");
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(resumed.json().get("reencrypted").asLong()).as("only what the first run left").isEqualTo(toDo - 2);
        assertThat(resumed.json().get("complete").asBoolean()).isTrue();
        var stored = new ArrayList<String>();
        for (var key : keys) {
            assertThat(storedKeyId(key)).isEqualTo(newKey);
            assertThat(signedStatus(key)).isEqualTo(200);
            stored.add(HexFormat.of().formatHex(storedSecret(key)));
        }

        var again = cli("keys", "reencrypt-secrets");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.json().get("reencrypted").asLong()).isZero();
        assertThat(again.json().get("complete").asBoolean()).isTrue();
        for (int i = 0; i < keys.size(); i++) {
            assertThat(HexFormat.of().formatHex(storedSecret(keys.get(i)))).as("a finished run rewrites nothing").isEqualTo(stored.get(i));
        }
    }

    @Test
    @Order(3)
    void retiring_a_master_key_is_refused_while_secrets_use_it_and_done_once_none_does() throws Exception {
        var key = createSigningKey("beta");
        String old = storedKeyId(key);
        var rotated = rotate();
        String newKey = rotated.get("key_id").asText();
        awaitServerActive(newKey);

        var refused = cli("keys", "retire-master-key", old);
        var active = cli("keys", "retire-master-key", newKey);

        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.json().get("retired").asBoolean()).isFalse();
        assertThat(refused.json().get("secrets").asLong()).isPositive();
        assertThat(refused.err()).contains("master key " + old + " still encrypts").contains("reencrypt-secrets");
        assertThat(Files.readString(KEYS_FILE)).contains(old);
        assertThat(active.code()).isEqualTo(2);
        assertThat(active.err()).contains("is the active key");
        assertThat(signedStatus(key)).isEqualTo(200);

        assertThat(cli("keys", "reencrypt-secrets").code()).isZero();
        var retired = cli("keys", "retire-master-key", old);

        assertThat(retired.code()).as(retired.err()).isZero();
        assertThat(retired.json().get("retired").asBoolean()).isTrue();
        assertThat(Files.readString(KEYS_FILE)).doesNotContain(old);
        Await.until("the server drops the retired key", Duration.ofSeconds(30),
                () -> !server.timestore().masterKeys().get().ids().contains(old));
        assertThat(signedStatus(key)).isEqualTo(200);
    }

    @Test
    @Order(4)
    void each_command_is_a_platform_security_event_and_no_key_material_reaches_logs_output_or_audit() throws Exception {
        var config = KEYS_DIR.resolve("timestore.yaml");
        Files.writeString(config, "secrets:\n  master-key: " + Base64.getEncoder().encodeToString(ROOT) + "\n  master-key-file: " + KEYS_FILE + "\n");
        var key = createSigningKey("acme");
        var outputs = new StringBuilder();
        var material = new ArrayList<String>(List.of(Base64.getEncoder().encodeToString(ROOT),
                Base64.getUrlEncoder().withoutPadding().encodeToString(key.secret())));
        String rotatedTo;
        try (var logs = CapturedLogs.capture()) {
            var rotated = process(config, "keys", "rotate-master-key");
            outputs.append(rotated.out()).append(rotated.err());
            assertThat(rotated.exitCode()).as(rotated.err()).isZero();
            rotatedTo = JSON.readTree(rotated.out()).get("key_id").asText();
            String previous = JSON.readTree(rotated.out()).get("previous_key_id").asText();
            awaitServerActive(rotatedTo);
            var reencrypted = process(config, "keys", "reencrypt-secrets");
            outputs.append(reencrypted.out()).append(reencrypted.err());
            assertThat(reencrypted.exitCode()).as(reencrypted.err()).isZero();
            var retired = process(config, "keys", "retire-master-key", previous);
            outputs.append(retired.out()).append(retired.err());
            assertThat(retired.exitCode()).as(retired.err()).isZero();
            assertThat(signedStatus(key)).isEqualTo(200);
            material.addAll(Files.readString(KEYS_FILE).lines().filter(line -> line.startsWith("mk_"))
                    .map(line -> line.split(" ")[2]).toList());

            assertThat(logs.lines()).as("the server logged the reload").anyMatch(line -> line.contains(rotatedTo));
            for (var secret : material) {
                assertThat(logs.lines()).noneMatch(line -> line.contains(secret));
            }
        }
        var audit = new AuditLog(server);
        var events = audit.eventsOf("_platform").stream()
                .filter(event -> event.at("/operation/action").asText().startsWith("keys:")).toList();
        assertThat(events).extracting(event -> event.at("/operation/action").asText())
                .contains("keys:rotate-master-key", "keys:reencrypt-secrets", "keys:retire-master-key");
        assertThat(events).allMatch(event -> event.get("severity").asText().equals("security"));
        assertThat(events).anyMatch(event -> event.at("/operation/resource_id").asText().equals(rotatedTo)
                && event.at("/operation/action").asText().equals("keys:rotate-master-key"));
        var everything = audit.everything();
        for (var secret : material) {
            assertThat(outputs.toString()).doesNotContain(secret);
            assertThat(everything).doesNotContain(secret);
        }
    }

    // --- helpers ---

    private record Key(String tenant, String id, byte[] secret) {}

    private record Run(int code, String out, String err) {
        JsonNode json() throws IOException {
            return JSON.readTree(out);
        }
    }

    private static Run cli(String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        var environment = Map.of(
                "TIMESTORE_DB_URL", server.postgres().jdbcUrl(server.database()),
                "TIMESTORE_DATA_DIR", server.dataDir().toString(),
                "TIMESTORE_MASTER_KEY", Base64.getEncoder().encodeToString(ROOT),
                "TIMESTORE_MASTER_KEY_FILE", KEYS_FILE.toString());
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                environment);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The command as an operator runs it: its own process, configured through a YAML file. */
    private static CliProcess.Result process(Path config, String... args) {
        var all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--config", config.toString(), "--db-url", server.postgres().jdbcUrl(server.database()),
                "--data-dir", server.dataDir().toString()));
        return CliProcess.run(KEYS_DIR, Duration.ofMinutes(2), all.toArray(String[]::new));
    }

    private static JsonNode rotate() throws IOException {
        var rotated = cli("keys", "rotate-master-key");
        assertThat(rotated.code()).as(rotated.err()).isZero();
        return rotated.json();
    }

    private static void awaitServerActive(String keyId) {
        Await.until("the running server seals with " + keyId, Duration.ofSeconds(30),
                () -> server.timestore().masterKeys().get().activeId().equals(keyId));
    }

    private static Key createSigningKey(String tenant) {
        var response = server.api().postJson("/admin/v1/signing-keys", """
                {"name": "billing-service", "roles": ["tenant-admin"]}
                """, bearer(server.tokens().user(tenant, "tenant-admin")));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return new Key(tenant, response.json().get("id").asText(), Base64.getUrlDecoder().decode(response.json().get("secret").asText()));
    }

    /** A signed GET of the key's own tenant's signing keys: 200 when the server opened the stored secret. */
    private static int signedStatus(Key key) {
        var path = "/admin/v1/signing-keys";
        var headers = new LinkedHashMap<String, List<String>>();
        headers.put("host", List.of(server.api().base().getHost() + ":" + server.api().base().getPort()));
        headers.put("x-ts-date", List.of(ZonedDateTime.now(ZoneOffset.UTC).format(DATE)));
        headers.put("x-ts-nonce", List.of(UUID.randomUUID().toString().replace("-", "")));
        var input = new SignedRequestInput("GET", path, "", headers, SignedRequestInput.sha256Hex(new byte[0]));
        var request = HttpRequest.newBuilder(server.api().base().resolve(path))
                .header("X-TS-Date", headers.get("x-ts-date").getFirst()).header("X-TS-Nonce", headers.get("x-ts-nonce").getFirst())
                .header("Authorization", SignedRequestSigner.authorization(input, key.id(), key.secret(), List.of())).GET().build();
        var response = server.api().send(request);
        assertThat(response.statusCode()).as(response.body()).isIn(200, 401);
        return response.statusCode();
    }

    private static byte[] storedSecret(Key key) throws SQLException {
        return stored("signing_keys", key.id());
    }

    private static byte[] stored(String table, String id) throws SQLException {
        try (var connection = server.postgres().superuser(server.database());
             var statement = connection.prepareStatement("SELECT secret FROM " + table + " WHERE id = ?")) {
            statement.setString(1, id);
            try (var rows = statement.executeQuery()) {
                assertThat(rows.next()).isTrue();
                return rows.getBytes(1);
            }
        }
    }

    private static String storedKeyId(Key key) throws SQLException {
        return SecretBox.keyId(storedSecret(key), ROOT_ID);
    }

    private static long secretsNotUnder(String keyId) throws SQLException {
        long count = 0;
        try (var connection = server.postgres().superuser(server.database());
             var rows = connection.createStatement().executeQuery("SELECT secret FROM signing_keys UNION ALL SELECT secret FROM audit_streams")) {
            while (rows.next()) {
                count += SecretBox.keyId(rows.getBytes(1), ROOT_ID).equals(keyId) ? 0 : 1;
            }
        }
        return count;
    }

    /**
     * Stores the key's secret as servers before key ids did: {@code 1 || nonce || AES-GCM} under
     * the key derived from the configured master key, the row as associated data.
     */
    private static void storeAsLegacy(Key key) throws Exception {
        var nonce = random(12);
        var cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(new MasterKey(ROOT).derive("signing-key-encryption"), "AES"),
                new GCMParameterSpec(128, nonce));
        cipher.updateAAD(("signing-key:" + key.tenant() + ":" + key.id()).getBytes(StandardCharsets.UTF_8));
        var sealed = cipher.doFinal(key.secret());
        var stored = ByteBuffer.allocate(1 + nonce.length + sealed.length).put((byte) 1).put(nonce).put(sealed).array();
        try (var connection = server.postgres().superuser(server.database());
             var statement = connection.prepareStatement("UPDATE signing_keys SET secret = ? WHERE id = ?")) {
            statement.setBytes(1, stored);
            statement.setString(2, key.id());
            assertThat(statement.executeUpdate()).isEqualTo(1);
        }
    }

    private static byte[] random(int length) {
        var bytes = new byte[length];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("timestore-master-keys");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
