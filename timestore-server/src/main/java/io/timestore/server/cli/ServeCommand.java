package io.timestore.server.cli;

import io.timestore.server.Timestore;
import io.timestore.server.config.SettingsLoader;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the Timestore server until SIGTERM or SIGINT.")
final class ServeCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    CommonOptions common;

    @Option(names = "--host", paramLabel = "HOST", description = "interface to listen on, default 127.0.0.1 (env TIMESTORE_HOST)")
    String host;

    @Option(names = "--port", paramLabel = "PORT", description = "port to listen on, default 8080; 0 picks a free one (env TIMESTORE_PORT)")
    String port;

    @Override
    public Integer call() throws InterruptedException {
        var flags = common.flags();
        CommonOptions.put(flags, "server.host", host);
        CommonOptions.put(flags, "server.port", port);
        var settings = SettingsLoader.load(flags, common.configFile(), main.environment());
        Logging.configure(settings.logFormat(), true);

        var timestore = Timestore.start(settings);
        var stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                timestore.close();
            } finally {
                Logging.stop();
                stopped.countDown();
            }
        }, "timestore-shutdown"));
        stopped.await();
        return 0;
    }
}
