package io.timestore.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Compares the outputs of two {@link IngestLoad} processes that took turns (see {@link Turns}):
 * slice {@code i} of one against slice {@code i} of the other, which ran next to each other in time.
 * Prints each pair, the mean of each side, and the paired ratio B/A as the geometric mean of the
 * per-pair ratios with its 95% confidence interval (Student's t on the logarithms), so that "no
 * regression" is a statement with a stated precision rather than an impression of two columns.
 *
 * <pre>java -cp "$CP" io.timestore.bench.PairedSlices a.log b.log</pre>
 */
public final class PairedSlices {
    private static final Pattern SLICE = Pattern.compile(
            "RESULT turn-slice (\\d+) \\(turn \\d+\\): process CPU per answered request ([0-9.]+) ms.*?([0-9.]+) req/s achieved");
    // Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom.
    private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
            2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};

    private PairedSlices() {}

    record Slice(double cpuMs, double achieved) {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: PairedSlices A.log B.log");
            System.exit(2);
        }
        var a = slices(Path.of(args[0]));
        var b = slices(Path.of(args[1]));
        var logRatios = new ArrayList<Double>();
        double sumA = 0;
        double sumB = 0;
        System.out.println("slice | A: CPU/request, req/s | B: CPU/request, req/s | B/A");
        for (var entry : a.entrySet()) {
            var other = b.get(entry.getKey());
            if (other == null) {
                continue;
            }
            var mine = entry.getValue();
            double ratio = other.cpuMs() / mine.cpuMs();
            logRatios.add(Math.log(ratio));
            sumA += mine.cpuMs();
            sumB += other.cpuMs();
            System.out.printf("%d | %.3f ms, %.0f | %.3f ms, %.0f | %.3f%n", entry.getKey(), mine.cpuMs(), mine.achieved(),
                    other.cpuMs(), other.achieved(), ratio);
        }
        int n = logRatios.size();
        if (n < 2) {
            System.out.println("fewer than two paired slices: nothing to compare");
            return;
        }
        double mean = logRatios.stream().mapToDouble(Double::doubleValue).sum() / n;
        double variance = logRatios.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / (n - 1);
        double half = t975(n - 1) * Math.sqrt(variance / n);
        long bHigher = logRatios.stream().filter(x -> x > 0).count();
        System.out.printf("pairs %d; mean CPU per request A %.3f ms, B %.3f ms%n", n, sumA / n, sumB / n);
        System.out.printf("RESULT paired B/A: %.3f (95%% CI %.3f – %.3f); B higher in %d of %d pairs%n", Math.exp(mean),
                Math.exp(mean - half), Math.exp(mean + half), bHigher, n);
    }

    static double t975(int degreesOfFreedom) {
        return degreesOfFreedom <= T975.length ? T975[degreesOfFreedom - 1] : 1.96 + 2.4 / degreesOfFreedom;
    }

    static TreeMap<Integer, Slice> slices(Path log) throws IOException {
        var slices = new TreeMap<Integer, Slice>();
        List<String> lines = Files.readAllLines(log);
        for (String line : lines) {
            var m = SLICE.matcher(line);
            if (m.find()) {
                slices.put(Integer.parseInt(m.group(1)), new Slice(Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3))));
            }
        }
        return slices;
    }
}
