package io.timestore.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.audit.tlog.InvalidNote;
import io.timestore.audit.tlog.InvalidProof;
import io.timestore.audit.tlog.NoteVerifierKey;
import io.timestore.audit.tlog.NoteVerifiers;
import io.timestore.audit.tlog.ProofJson;
import io.timestore.audit.tlog.TreeCheckpoint;
import io.timestore.server.config.InvalidSettings;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code timestore audit witness}: a tenant's (or anyone's) check that its audit log only grows
 * (docs/operations.md, "Witnessing the audit log"). Fetches the partition's latest signed tree
 * checkpoint over HTTP, verifies its signature with the trusted note verifier keys, proves with a
 * consistency proof that it extends the checkpoint saved in the state file, and saves it. Exit 0
 * when it does; 3 with a one-line reason on a forged signature, a shrunk tree or a split view
 * (two different trees for the same history); 1 when the server cannot be asked; 2 for bad usage.
 * The credential is a bearer token (an auditor's) from the environment variable
 * {@code TIMESTORE_TOKEN}, never from the command line.
 */
@Command(name = "witness", mixinStandardHelpOptions = true,
        description = "Check that a tenant's audit log only grew since the checkpoint saved in --state; exit 3 if not.")
final class AuditWitness implements Callable<Integer> {
    static final int LOG_BROKEN = 3;
    static final String TOKEN_VARIABLE = "TIMESTORE_TOKEN";
    private static final String LOG = "/api/audit/v1alpha1/log/";

    @ParentCommand
    AuditCommand audit;

    @Spec
    CommandSpec spec;

    @Option(names = "--server", required = true, paramLabel = "URL", description = "the Timestore base URL, e.g. https://timestore.example")
    URI server;

    @Option(names = "--tenant", required = true, paramLabel = "TENANT", description = "the tenant whose log to witness")
    String tenant;

    @Option(names = "--state", required = true, paramLabel = "FILE",
            description = "where the last verified checkpoint and the trusted keys are kept (created on the first run)")
    Path state;

    @Option(names = "--key", paramLabel = "VERIFIER_KEY",
            description = "a trusted note verifier key (<name>+<hash>+<base64>); repeat for rotated keys; saved in --state. Required on the first run.")
    List<String> keys = List.of();

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** Ends the run with exit code 3 and the reason. */
    private static final class Broken extends Exception {
        Broken(String reason) {
            super(reason);
        }
    }

    @Override
    public Integer call() throws Exception {
        ObjectNode saved = Files.exists(state) ? (ObjectNode) json.readTree(state.toFile()) : json.createObjectNode();
        var trusted = new LinkedHashSet<String>();
        saved.path("keys").forEach(k -> trusted.add(k.asText()));
        trusted.addAll(keys);
        if (trusted.isEmpty()) {
            throw new InvalidSettings("--key", "no trusted key: give the tenant's note verifier key (GET " + LOG + "keys) on the first run");
        }
        List<NoteVerifierKey> verifierKeys = new ArrayList<>();
        for (String key : trusted) {
            try {
                verifierKeys.add(NoteVerifierKey.parse(key));
            } catch (IllegalArgumentException e) {
                throw new InvalidSettings("--key", "not a note verifier key: " + e.getMessage());
            }
        }
        String origin = verifierKeys.getFirst().name();
        var verifiers = new NoteVerifiers(verifierKeys);
        try {
            String note = get("checkpoint");
            TreeCheckpoint latest = open(note, verifiers, origin, "the server's checkpoint");
            String reason = "";
            if (saved.hasNonNull("checkpoint")) {
                TreeCheckpoint previous = open(saved.get("checkpoint").asText(), verifiers, origin, "the saved checkpoint");
                reason = grew(previous, latest);
            }
            saved.put("server", server.toString()).put("tenant", tenant).put("origin", origin).put("checkpoint", note);
            var array = saved.putArray("keys");
            trusted.forEach(array::add);
            save(saved);
            spec.commandLine().getOut().printf("ok: %s at tree size %d%s%n", origin, latest.size(), reason);
            return 0;
        } catch (Broken broken) {
            spec.commandLine().getErr().println("timestore: audit witness: " + broken.getMessage());
            return LOG_BROKEN;
        }
    }

    private static TreeCheckpoint open(String note, NoteVerifiers verifiers, String origin, String what) throws Broken {
        try {
            return TreeCheckpoint.open(note, verifiers, origin);
        } catch (InvalidNote invalid) {
            throw new Broken("forged checkpoint: %s is not signed by a trusted key of %s (%s)".formatted(what, origin, invalid.getMessage()));
        }
    }

    /** Checks that {@code latest} extends {@code previous}; says how, for the report. */
    private String grew(TreeCheckpoint previous, TreeCheckpoint latest) throws Broken, IOException, InterruptedException {
        if (latest.size() < previous.size()) {
            throw new Broken("shrunk tree: the log had %d events at the saved checkpoint and now claims %d".formatted(previous.size(), latest.size()));
        }
        if (latest.size() == previous.size()) {
            if (!latest.rootHash().equals(previous.rootHash())) {
                throw new Broken("split view: two different trees of size %d were signed".formatted(latest.size()));
            }
            return ", unchanged";
        }
        var proof = new ProofJson().readConsistency(get("consistency?size1=" + previous.size() + "&size2=" + latest.size()));
        if (proof.size1() != previous.size() || proof.size2() != latest.size()) {
            throw new Broken("split view: the server answered a consistency proof for other sizes");
        }
        try {
            proof.verify(previous.rootHash(), latest.rootHash());
        } catch (InvalidProof invalid) {
            throw new Broken("split view: the tree of size %d does not extend the saved one of size %d (%s)"
                    .formatted(latest.size(), previous.size(), invalid.getMessage()));
        }
        return ", consistent with the saved size " + previous.size();
    }

    private String get(String path) throws IOException, InterruptedException {
        var uri = server.resolve(LOG + path + (path.contains("?") ? "&" : "?") + "tenant=" + URLEncoder.encode(tenant, StandardCharsets.UTF_8));
        var request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).header("X-Tenant-ID", tenant).GET();
        var token = audit.main.environment().get(TOKEN_VARIABLE);
        if (token != null && !token.isBlank()) {
            request.header("Authorization", "Bearer " + token.strip());
        }
        var response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() != 200) {
            JsonNode problem = null;
            try {
                problem = json.readTree(response.body());
            } catch (IOException notJson) {
                // Reported with the status alone.
            }
            throw new IOException("GET %s answered %d %s".formatted(uri.getPath(), response.statusCode(),
                    problem == null ? "" : problem.path("code").asText() + ": " + problem.path("detail").asText()));
        }
        return response.body();
    }

    private void save(ObjectNode saved) throws IOException {
        Path absolute = state.toAbsolutePath();
        Path temporary = absolute.resolveSibling(absolute.getFileName() + ".tmp");
        json.writerWithDefaultPrettyPrinter().writeValue(temporary.toFile(), saved);
        Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
