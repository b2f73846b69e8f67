package io.timestore.audit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * The PostgreSQL schema the audit trail is stored in, shipped with the library so every service
 * that uses it creates the same tables, grants and policies. Apply it once as the owner of the
 * schema (for example from a migration tool); {@code runtimeRole} is the role the service runs as,
 * which gets INSERT and SELECT on the history tables and nothing that could rewrite them.
 *
 * <p>Row-level security reads two transaction-local settings: {@code app.tenant_id} (the tenant
 * of the transaction) and {@code app.platform} ({@code on} for the explicit cross-tenant path).
 */
public final class AuditSchema {
    private static final String RESOURCE = "schema-v1.sql";
    private static final Pattern ROLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private AuditSchema() {}

    /** The DDL script, with the runtime role filled in. */
    public static String script(String runtimeRole) {
        if (!ROLE.matcher(runtimeRole).matches()) {
            throw new IllegalArgumentException("runtime role must be a plain lower-case identifier");
        }
        return template().replace("${runtime_role}", runtimeRole);
    }

    /** A checksum of the script template, so a migration tool notices when it changes. */
    public static int checksum() {
        var crc = new CRC32();
        crc.update(template().getBytes(StandardCharsets.UTF_8));
        return (int) crc.getValue();
    }

    private static String template() {
        try (InputStream in = AuditSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the audit library");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
