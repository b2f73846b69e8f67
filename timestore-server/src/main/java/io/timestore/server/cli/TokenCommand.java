package io.timestore.server.cli;

import io.timestore.security.TenantId;
import io.timestore.server.config.InvalidSettings;
import io.timestore.server.config.Settings;
import io.timestore.server.config.SettingsLoader;
import io.timestore.server.identity.DevIssuer;
import io.timestore.server.identity.KeyFiles;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * Mints a short-lived JWT from the development issuer whose key lives in the data directory. It
 * only reads that key file, which the server created on its first start, so it works whether or
 * not the server is running; it never creates one. It prints the token and nothing else on stdout.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Print a development JWT (embedded mode only) signed by the key in the data directory.")
final class TokenCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    CommonOptions common;

    @Option(names = "--sub", required = true, paramLabel = "SUBJECT", description = "the token's subject (who is calling)")
    String subject;

    @Option(names = "--tenant", paramLabel = "TENANT", description = "the tenant claim (required unless --platform-operator)")
    String tenant;

    @Option(names = "--roles", paramLabel = "ROLES", split = ",", description = "comma-separated roles, e.g. tenant-admin,writer")
    List<String> roles = List.of();

    @Option(names = "--scopes", paramLabel = "SCOPES", split = ",", description = "comma-separated OAuth scopes")
    List<String> scopes = List.of();

    @Option(names = "--ttl", paramLabel = "DURATION", description = "lifetime, at most 15m (default 15m)")
    String ttl = "15m";

    @Option(names = "--platform-operator", description = "add the platform-operator role (home tenant 'platform' unless --tenant)")
    boolean platformOperator;

    @Override
    public Integer call() {
        var settings = SettingsLoader.load(common.flags(), common.configFile(), main.environment());
        Logging.configure(settings.logFormat(), false);
        if (!settings.auth().devIssuerEnabled(settings.database().embedded())) {
            throw new InvalidSettings("auth.dev-issuer",
                    "the development issuer is off (it is on only with the embedded database and no identity provider, or with auth.dev-issuer=on)");
        }
        var tenantId = Optional.ofNullable(tenant).or(() -> platformOperator ? Optional.of("platform") : Optional.empty())
                .map(t -> TenantId.parse(t).orElseThrow(() -> new InvalidSettings("--tenant",
                        "'%s' is not a tenant id (^[a-z0-9][a-z0-9-]{1,62}$)".formatted(t))))
                .orElseThrow(() -> new InvalidSettings("--tenant", "a tenant is required (or --platform-operator)"));
        var allRoles = new java.util.ArrayList<>(roles);
        if (platformOperator && !allRoles.contains("platform-operator")) {
            allRoles.add("platform-operator");
        }
        var lifetime = parseTtl(ttl);
        var issuer = existingIssuer(settings);
        main.out().println(issuer.mint(new DevIssuer.Grant(subject, Optional.of(tenantId), allRoles, scopes, lifetime)));
        return 0;
    }

    /**
     * The issuer whose key the server created in its data directory. A new key would sign tokens
     * that no server trusts (401 key_unknown), so none is made here: without a key, the data
     * directory is not the server's, and the message says how to name the right one.
     */
    private static DevIssuer existingIssuer(Settings settings) {
        var files = new KeyFiles(settings.dataDir());
        return DevIssuer.loadExisting(files, settings.auth().audience(), settings.auth().claims(), InstantSource.system())
                .orElseThrow(() -> new InvalidSettings("data-dir", ("no development issuer key in %s, so %s is not the data "
                        + "directory of a server that runs with the development issuer; pass --data-dir (or "
                        + "TIMESTORE_DATA_DIR) naming the running server's data directory").formatted(
                        DevIssuer.keyFile(files).toAbsolutePath().normalize(), settings.dataDir().toAbsolutePath().normalize())));
    }

    private static Duration parseTtl(String text) {
        var matcher = java.util.regex.Pattern.compile("(\\d+)(s|m)").matcher(text.trim());
        if (!matcher.matches()) {
            throw new InvalidSettings("--ttl", "'%s' must look like 90s or 15m".formatted(text));
        }
        var duration = matcher.group(2).equals("s") ? Duration.ofSeconds(Long.parseLong(matcher.group(1)))
                : Duration.ofMinutes(Long.parseLong(matcher.group(1)));
        if (duration.isZero() || duration.compareTo(DevIssuer.MAX_TTL) > 0) {
            throw new InvalidSettings("--ttl", "'%s' must be between 1s and 15m".formatted(text));
        }
        return duration;
    }
}
