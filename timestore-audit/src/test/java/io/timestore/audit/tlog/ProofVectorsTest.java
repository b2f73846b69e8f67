package io.timestore.audit.tlog;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.audit.tlog.ProofVectors.Vector;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Java verifier against every transparency-dev/merkle vector file: it must accept exactly the
 * files with {@code wantErr: false} and reject every other one, with {@link InvalidProof} (never
 * another exception).
 */
class ProofVectorsTest {

    @Test
    void the_verifier_agrees_with_want_err_on_every_inclusion_vector() {
        List<Vector> vectors = ProofVectors.all("inclusion");

        List<String> disagreements = disagreements(vectors, v -> ProofVerifier.verifyInclusion(
                v.number("leafIdx"), v.number("treeSize"), v.bytes("leafHash"), v.proof(), v.bytes("root")));

        assertThat(vectors).hasSize(98);
        assertThat(vectors.stream().filter(v -> !v.wantErr())).hasSize(6);
        assertThat(disagreements).isEmpty();
    }

    @Test
    void the_verifier_agrees_with_want_err_on_every_consistency_vector() {
        List<Vector> vectors = ProofVectors.all("consistency");

        List<String> disagreements = disagreements(vectors, v -> ProofVerifier.verifyConsistency(
                v.number("size1"), v.number("size2"), v.proof(), v.bytes("root1"), v.bytes("root2")));

        assertThat(vectors).hasSize(98);
        assertThat(vectors.stream().filter(v -> !v.wantErr())).hasSize(6);
        assertThat(disagreements).isEmpty();
    }

    private interface Check {
        void verify(Vector vector);
    }

    private static List<String> disagreements(List<Vector> vectors, Check check) {
        List<String> disagreements = new ArrayList<>();
        for (Vector vector : vectors) {
            String error = null;
            try {
                check.verify(vector);
            } catch (InvalidProof e) {
                error = e.getMessage();
            }
            if ((error != null) != vector.wantErr()) {
                disagreements.add(vector + (error == null ? ": accepted" : ": rejected, " + error));
            }
        }
        return disagreements;
    }
}
