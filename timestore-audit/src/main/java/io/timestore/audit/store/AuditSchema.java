package io.timestore.audit.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * The PostgreSQL schema the audit trail is stored in, shipped with the library so every service
 * that uses it creates the same tables, grants and policies. The schema comes as numbered scripts,
 * {@code 1} to {@link #LATEST}: apply each once, in order, as the owner of the schema (for example
 * as one migration each in a migration tool); {@code runtimeRole} is the role the service runs
 * as, which gets INSERT and SELECT on the history tables and nothing that could rewrite them.
 *
 * <p>Row-level security reads two transaction-local settings: {@code app.tenant_id} (the tenant
 * of the transaction) and {@code app.platform} ({@code on} for the explicit cross-tenant path).
 */
public final class AuditSchema {
    /** The newest script version. */
    public static final int LATEST = 10;
    private static final Pattern ROLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private AuditSchema() {}

    /** The first script (the tables), with the runtime role filled in. */
    public static String script(String runtimeRole) {
        return script(1, runtimeRole);
    }

    /** Script {@code version} (1 to {@link #LATEST}), with the runtime role filled in. */
    public static String script(int version, String runtimeRole) {
        if (!ROLE.matcher(runtimeRole).matches()) {
            throw new IllegalArgumentException("runtime role must be a plain lower-case identifier");
        }
        return template(version).replace("${runtime_role}", runtimeRole);
    }

    /** A checksum of the first script's template. */
    public static int checksum() {
        return checksum(1);
    }

    /** A checksum of script {@code version}'s template, so a migration tool notices when it changes. */
    public static int checksum(int version) {
        var crc = new CRC32();
        crc.update(template(version).getBytes(StandardCharsets.UTF_8));
        return (int) crc.getValue();
    }

    private static String template(int version) {
        if (version < 1 || version > LATEST) {
            throw new IllegalArgumentException("audit schema versions are 1 to " + LATEST + " (found " + version + ")");
        }
        var resource = "schema-v" + version + ".sql";
        try (InputStream in = AuditSchema.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the audit library");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
