package io.timestore.audit.tlog;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code python3} for the tests of the standalone verifier. A machine without Python 3 or its
 * {@code cryptography} package fails those tests with a message saying what to install: they are
 * never skipped.
 */
final class Python {
    /** What a run printed and how it exited. */
    record Result(int exitCode, String stdout, String stderr) {}

    private final Path workDir;

    Python(Path workDir) {
        this.workDir = workDir;
    }

    /** Fails the calling test unless {@code python3} runs and imports {@code cryptography}. */
    void require() {
        Result probe;
        try {
            probe = run(List.of("-c", "import cryptography"));
        } catch (IllegalStateException e) {
            fail("python3 is needed to test docs/verify/verify_receipt.py and did not start (" + e.getMessage()
                    + "): install Python 3");
            return;
        }
        if (probe.exitCode() != 0) {
            fail("python3 cannot import the cryptography package that docs/verify/verify_receipt.py needs: "
                    + "apt-get install python3-cryptography (or pip install cryptography)\n" + probe.stderr());
        }
    }

    /** Runs {@code python3 args...} with a bound of one minute, output captured in files. */
    Result run(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add("python3");
        command.addAll(args);
        try {
            Path out = Files.createTempFile(workDir, "python", ".out");
            Path err = Files.createTempFile(workDir, "python", ".err");
            var builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            // Importing the script must not leave __pycache__ in docs/verify.
            builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
            Process process = builder.start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("python3 did not finish within a minute: " + command);
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
