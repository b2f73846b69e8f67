package io.timestore.audit.tlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.timestore.audit.checkpoint.CheckpointKeys;
import io.timestore.audit.tlog.InvalidNote.Reason;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

/** c2sp.org/tlog-checkpoint bodies, signed as notes and opened for one log's origin. */
class TreeCheckpointTest {
    private static final String ORIGIN = "timestore.example/audit/acme";
    private static final TreeHash ROOT = TreeHash.fromBase64("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
    private final NoteSigner key = NoteSigner.generate(ORIGIN, new SecureRandom());

    @Test
    void the_text_is_origin_size_and_base64_root_each_on_its_own_line() {
        var checkpoint = new TreeCheckpoint("example.com/behind-the-sofa", 20852163, ROOT);

        assertThat(checkpoint.text()).isEqualTo("example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
        assertThat(TreeCheckpoint.parse(checkpoint.text())).isEqualTo(checkpoint);
    }

    @Test
    void extension_lines_and_the_empty_tree_round_trip() {
        var checkpoint = new TreeCheckpoint(ORIGIN, 0, Rfc6962.EMPTY_ROOT, List.of("extension one", "two"));

        assertThat(checkpoint.text()).isEqualTo(ORIGIN + "\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nextension one\ntwo\n");
        assertThat(TreeCheckpoint.parse(checkpoint.text())).isEqualTo(checkpoint);
    }

    @Test
    void anything_but_the_exact_form_is_malformed() {
        String root = ROOT.base64();
        List<String> bad = List.of(
                "",
                ORIGIN + "\n5\n" + root,                      // no final newline
                ORIGIN + "\n5\n",                             // two lines
                "\n5\n" + root + "\n",                        // empty origin
                ORIGIN + "\n05\n" + root + "\n",              // leading zero
                ORIGIN + "\n+5\n" + root + "\n",              // sign
                ORIGIN + "\n-5\n" + root + "\n",              // negative
                ORIGIN + "\n5 \n" + root + "\n",              // trailing space
                ORIGIN + "\n 5\n" + root + "\n",              // leading space
                ORIGIN + "\n18446744073709551616\n" + root + "\n", // beyond 64 bits
                ORIGIN + "\n5\n" + root.replace("=", "") + "\n",   // unpadded
                ORIGIN + "\n5\nYmFuYW5hcw==\n",               // not 32 bytes
                ORIGIN + "\n5\n" + root + " \n",              // trailing space after the hash
                ORIGIN + "\n5\n" + root + "\n\n",             // empty extension line
                ORIGIN + "\r\n5\n" + root + "\n");            // carriage return

        for (String text : bad) {
            var error = assertThrows(InvalidNote.class, () -> TreeCheckpoint.parse(text), text);
            assertThat(error.reason()).as(text).isEqualTo(Reason.MALFORMED_CHECKPOINT);
        }
    }

    @Test
    void a_signed_checkpoint_opens_with_the_logs_verifier_key() {
        var checkpoint = new TreeCheckpoint(ORIGIN, 42, ROOT);

        Note note = checkpoint.sign(List.of(key));

        assertThat(note.toString()).startsWith(checkpoint.text() + "\n— " + ORIGIN + " ");
        assertThat(TreeCheckpoint.open(note.toString(), NoteVerifiers.of(key.verifierKey()), ORIGIN)).isEqualTo(checkpoint);
    }

    @Test
    void a_checkpoint_of_another_log_signed_by_a_trusted_key_is_refused() {
        Note globex = new TreeCheckpoint("timestore.example/audit/globex", 42, ROOT).sign(List.of(key));

        var error = assertThrows(InvalidNote.class,
                () -> TreeCheckpoint.open(globex.encode(), NoteVerifiers.of(key.verifierKey()), ORIGIN));

        assertThat(error.reason()).isEqualTo(Reason.WRONG_ORIGIN);
    }

    @Test
    void a_checkpoint_signed_by_another_key_of_the_same_name_is_refused() {
        NoteSigner forger = NoteSigner.generate(ORIGIN, new SecureRandom());
        Note forged = new TreeCheckpoint(ORIGIN, 43, ROOT).sign(List.of(forger));

        var error = assertThrows(InvalidNote.class,
                () -> TreeCheckpoint.open(forged.encode(), NoteVerifiers.of(key.verifierKey()), ORIGIN));

        assertThat(error.reason()).isEqualTo(Reason.NO_KNOWN_SIGNATURE);
    }

    @Test
    void a_changed_size_or_root_breaks_the_signature() {
        String note = new TreeCheckpoint(ORIGIN, 42, ROOT).sign(List.of(key)).toString();
        NoteVerifiers verifiers = NoteVerifiers.of(key.verifierKey());

        var size = assertThrows(InvalidNote.class, () -> TreeCheckpoint.open(note.replace("\n42\n", "\n43\n"), verifiers, ORIGIN));
        var root = assertThrows(InvalidNote.class, () -> TreeCheckpoint.open(note.replace("CsUY", "CsUZ"), verifiers, ORIGIN));

        assertThat(size.reason()).isEqualTo(Reason.INVALID_SIGNATURE);
        assertThat(root.reason()).isEqualTo(Reason.INVALID_SIGNATURE);
    }

    @Test
    void after_a_key_rotation_old_and_new_checkpoints_verify_and_cosignatures_are_ignored() {
        NoteSigner next = NoteSigner.generate(ORIGIN, new SecureRandom());
        NoteSigner witness = NoteSigner.generate("witness.example/w1", new SecureRandom());
        NoteVerifiers verifiers = NoteVerifiers.of(next.verifierKey(), key.verifierKey());
        Note old = new TreeCheckpoint(ORIGIN, 42, ROOT).sign(List.of(key));
        Note current = new TreeCheckpoint(ORIGIN, 50, ROOT).sign(List.of(next)).addSignatures(List.of(witness));

        assertThat(TreeCheckpoint.open(old.encode(), verifiers, ORIGIN).size()).isEqualTo(42);
        assertThat(TreeCheckpoint.open(current.encode(), verifiers, ORIGIN).size()).isEqualTo(50);
        assertThat(verifiers.open(current.encode()).unverified()).extracting(NoteSignature::name).containsExactly("witness.example/w1");
        assertThat(TreeCheckpoint.open(current.encode(), NoteVerifiers.of(key.verifierKey(), next.verifierKey()), ORIGIN).size()).isEqualTo(50);
    }

    @Test
    void a_signer_reuses_an_existing_ed25519_key_pair() {
        var pair = CheckpointKeys.generate(new SecureRandom());

        NoteSigner signer = NoteSigner.of(ORIGIN, pair);
        Note note = new TreeCheckpoint(ORIGIN, 1, ROOT).sign(List.of(signer));

        assertThat(signer.verifierKey().publicKey().getEncoded()).isEqualTo(pair.getPublic().getEncoded());
        assertThat(TreeCheckpoint.open(note.encode(), NoteVerifiers.of(NoteVerifierKey.of(ORIGIN, pair.getPublic())), ORIGIN).size())
                .isEqualTo(1);
        assertThat(new String(note.encode(), StandardCharsets.UTF_8)).endsWith("\n");
    }
}
