package io.timestore.server.cli;

import io.timestore.server.Timestore;
import io.timestore.server.config.SettingsLoader;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the Timestore server until SIGTERM or SIGINT; exits 0 after a clean stop, 1 when in-flight requests had to be cut off.")
final class ServeCommand implements Callable<Integer> {
    /** Exit status after a stop that cut off in-flight requests or failed. */
    static final int UNCLEAN_STOP = 1;
    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

    @ParentCommand
    Main main;

    @Mixin
    CommonOptions common;

    @Option(names = "--host", paramLabel = "HOST", description = "interface to listen on, default 127.0.0.1 (env TIMESTORE_HOST)")
    String host;

    @Option(names = "--port", paramLabel = "PORT", description = "port to listen on, default 8080; 0 picks a free one (env TIMESTORE_PORT)")
    String port;

    @Option(names = "--tls", description = "serve HTTPS; without server.tls.cert-file/key-file, with a self-signed development "
            + "certificate made in the data directory (embedded database only; env TIMESTORE_TLS_SELF_SIGNED)")
    boolean tls;

    @Override
    public Integer call() throws InterruptedException {
        var flags = common.flags();
        CommonOptions.put(flags, "server.host", host);
        CommonOptions.put(flags, "server.port", port);
        if (tls) {
            flags.put("server.tls.self-signed", "true");
        }
        var settings = SettingsLoader.load(flags, common.configFile(), main.environment());
        Logging.configure(settings.logFormat(), true);

        var timestore = Timestore.start(settings);
        // The one line a new user needs: where the console is (docs/console.md). Through the log,
        // so that stdout stays one log format (JSON lines when log.format is json).
        log.atInfo().addKeyValue("console_url", timestore.consoleUri()).log("Timestore console: {}", timestore.consoleUri());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(timestore), "timestore-shutdown"));
        // SIGTERM and SIGINT start the JVM's shutdown; the hook stops the server and ends the
        // process. This thread only keeps the command running until then.
        new CountDownLatch(1).await();
        return 0;
    }

    /**
     * Stops the server, then ends the process: 0 after a clean stop, 1 when in-flight requests
     * were cut off at the shutdown timeout or stopping failed. Without the explicit halt, a JVM
     * ended by SIGTERM exits with 143 (128 + 15), which systemd and most supervisors count as a
     * failure, even after a clean shutdown.
     */
    private static void stop(Timestore timestore) {
        int status = UNCLEAN_STOP;
        try {
            timestore.close();
            if (timestore.drainedCleanly()) {
                status = 0;
            } else {
                log.warn("stopped with in-flight requests cut off at server.shutdown-timeout; exit status {}", status);
            }
        } catch (RuntimeException | Error e) {
            log.error("stopping failed; exit status {}", status, e);
        } finally {
            Logging.stop();
            Runtime.getRuntime().halt(status);
        }
    }
}
