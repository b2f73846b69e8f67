package io.timestore.server.cli;

import io.timestore.server.Version;
import io.timestore.server.config.InvalidSettings;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code timestore} command line. Exit codes: 0 success, 1 failure while running,
 * 2 invalid usage or configuration (the message names the setting and the problem). {@code serve}
 * runs until SIGTERM or SIGINT and then exits 0 after a clean stop, 1 when in-flight requests
 * were cut off at the shutdown timeout.
 */
@Command(name = "timestore", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Multi-tenant time-series dataset service with a tamper-evident audit trail.",
        subcommands = {ServeCommand.class, TokenCommand.class, MigrateCommand.class, AuditCommand.class, KeysCommand.class, VersionCommand.class})
public final class Main implements Runnable {
    static final int INVALID_CONFIGURATION = 2;

    private final PrintStream out;
    private final Map<String, String> environment;

    private Main(PrintStream out, Map<String, String> environment) {
        this.out = out;
        this.environment = environment;
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err, System.getenv());
        Logging.stop();
        System.exit(code);
    }

    /** Runs one command with the given streams and environment; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> environment) {
        var commandLine = new CommandLine(new Main(out, environment))
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .setExecutionExceptionHandler((failure, line, parsed) -> {
                    if (failure instanceof InvalidSettings invalid) {
                        err.println("timestore: " + invalid.getMessage());
                        return INVALID_CONFIGURATION;
                    }
                    err.println("timestore: " + line.getCommandName() + " failed: " + failure.getMessage());
                    return 1;
                });
        return commandLine.execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(out);
    }

    PrintStream out() {
        return out;
    }

    Map<String, String> environment() {
        return environment;
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"timestore " + Version.current()};
        }
    }
}
