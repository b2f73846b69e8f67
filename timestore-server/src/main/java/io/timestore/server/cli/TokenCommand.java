package io.timestore.server.cli;

import io.timestore.security.TenantId;
import io.timestore.server.config.Durations;
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

    @Option(names = "--ttl", paramLabel = "DURATION",
            description = "lifetime such as 90s or 10m (the duration syntax of docs/configuration.md); at most 15m,"
                    + " or auth.user-max-lifetime when lower, which is also the default")
    String ttl;

    @Option(names = "--platform-operator", description = "add the platform-operator role (home tenant 'platform' unless --tenant)")
    boolean platformOperator;

    /** JWT times are whole seconds: a shorter token would expire as it is issued. */
    private static final Duration MIN_TTL = Duration.ofSeconds(1);

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
        var lifetime = lifetime(settings.auth().userMaxLifetime());
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

    /**
     * The token's lifetime: {@code --ttl}, or the maximum when absent. The maximum is what the
     * server accepts of a user token ({@code auth.user-max-lifetime}), never more than the
     * development issuer's own 15m.
     */
    private Duration lifetime(Duration userMaxLifetime) {
        var max = userMaxLifetime.compareTo(DevIssuer.MAX_TTL) < 0 ? userMaxLifetime : DevIssuer.MAX_TTL;
        if (ttl == null) {
            return max;
        }
        Duration requested;
        try {
            requested = Durations.parse(ttl);
        } catch (Durations.NotADuration e) {
            throw new InvalidSettings("--ttl", e.getMessage());
        }
        var shown = ttl.strip();
        if (requested.compareTo(max) > 0) {
            throw new InvalidSettings("--ttl", "%s exceeds the maximum %s for user tokens%s".formatted(shown,
                    Durations.format(max), max.equals(userMaxLifetime) && max.compareTo(DevIssuer.MAX_TTL) < 0
                            ? " (auth.user-max-lifetime)" : ""));
        }
        if (requested.compareTo(MIN_TTL) < 0) {
            throw new InvalidSettings("--ttl", "%s is below the minimum %s".formatted(shown, Durations.format(MIN_TTL)));
        }
        return requested;
    }
}
