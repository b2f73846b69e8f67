package io.timestore.server.cli;

import io.timestore.server.Version;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "version", description = "Print the Timestore version.")
final class VersionCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Override
    public Integer call() {
        main.out().println("timestore " + Version.current());
        return 0;
    }
}
