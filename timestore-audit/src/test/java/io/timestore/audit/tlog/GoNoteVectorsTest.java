package io.timestore.audit.tlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.timestore.audit.tlog.InvalidNote.Reason;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The keys, notes and signatures of Go's reference implementation ({@code golang.org/x/mod/sumdb/note},
 * {@code note_test.go} and the package documentation) and of the c2sp.org/signed-note example: the
 * same bytes in, the same bytes and verdicts out.
 */
class GoNoteVectorsTest {
    static final String PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    static final String PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    static final String ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    static final String TEXT = "If you think cryptography is the answer to your problem,\n"
            + "then you don't know what your problem is.\n";
    static final String PETER_SIG = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    static final String ENOCH_SIG = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";
    private static final NoteSignature PETER = new NoteSignature("PeterNeumann", 0xc74f20a3,
            "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=");
    private static final NoteSignature ENOCH = new NoteSignature("EnochRoot", 0xaf0cfe78,
            "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=");

    private final NoteVerifierKey peter = NoteVerifierKey.parse(PETER_VKEY);
    private final NoteVerifierKey enoch = NoteVerifierKey.parse(ENOCH_VKEY);

    @Test
    void signing_with_the_go_signer_key_gives_the_go_note_byte_for_byte() {
        NoteSigner signer = NoteSigner.parse(PETER_SKEY);

        Note note = Note.sign(TEXT, List.of(signer));

        assertThat(new String(note.encode(), StandardCharsets.UTF_8)).isEqualTo(TEXT + "\n" + PETER_SIG);
        assertThat(signer.verifierKey().encode()).isEqualTo(PETER_VKEY);
        assertThat(signer.encodeSecret()).isEqualTo(PETER_SKEY);
        assertThat(signer.keyHash()).isEqualTo(0xc74f20a3);
    }

    @Test
    void re_signing_replaces_the_signature_by_the_same_key_and_keeps_the_others() {
        Note note = new Note(TEXT, List.of(new NoteSignature("PeterNeumann", 0xc74f20a3, "x08go/8="), ENOCH));

        Note resigned = note.addSignatures(List.of(NoteSigner.parse(PETER_SKEY)));

        assertThat(resigned.toString()).isEqualTo(TEXT + "\n" + ENOCH_SIG + PETER_SIG);
    }

    @Test
    void every_mangling_of_the_verifier_key_is_refused() {
        List<String> accepted = new ArrayList<>();
        byte[] b = PETER_VKEY.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i <= b.length; i++) {
            for (int j = i + 1; j <= b.length; j++) {
                if (i != 0 || j != b.length) {
                    acceptedKey(new String(b, i, j - i, StandardCharsets.UTF_8), accepted);
                }
            }
        }
        for (int i = 0; i < b.length; i++) {
            b[i]++;
            acceptedKey(new String(b, StandardCharsets.UTF_8), accepted);
            b[i]--;
        }
        acceptedKey("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", accepted); // wrong length
        acceptedKey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", accepted); // unknown algorithm

        assertThat(accepted).isEmpty();
        assertThat(peter.encode()).isEqualTo(PETER_VKEY);
    }

    @Test
    void every_mangling_of_the_signer_key_is_refused() {
        List<String> accepted = new ArrayList<>();
        byte[] b = PETER_SKEY.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i <= b.length; i++) {
            for (int j = i + 1; j <= b.length; j++) {
                if (i != 0 || j != b.length) {
                    acceptedSigner(new String(b, i, j - i, StandardCharsets.UTF_8), accepted);
                }
            }
        }
        for (int i = 0; i < b.length; i++) {
            b[i]++;
            acceptedSigner(new String(b, StandardCharsets.UTF_8), accepted);
            b[i]--;
        }

        assertThat(accepted).isEmpty();
    }

    @Test
    void a_generated_key_signs_what_its_verifier_key_verifies_and_nothing_else() {
        NoteSigner signer = NoteSigner.generate("EnochRoot", new SecureRandom());
        NoteVerifierKey key = NoteVerifierKey.parse(signer.verifierKey().encode());
        byte[] message = "hi\n".getBytes(StandardCharsets.UTF_8);

        byte[] signature = signer.sign(message).signature();
        byte[] corrupt = signature.clone();
        corrupt[0]++;

        assertThat(key.verifies(message, signature)).isTrue();
        assertThat(key.verifies(message, corrupt)).isFalse();
        assertThat(key.verifies("hj\n".getBytes(StandardCharsets.UTF_8), signature)).isFalse();
        assertThat(NoteSigner.parse(signer.encodeSecret()).verifierKey()).isEqualTo(key);
        assertThat(signer.toString()).doesNotContain("PRIVATE").contains(key.encode());
    }

    @Test
    void one_known_key_verifies_and_the_unknown_signature_is_kept_unverified() {
        VerifiedNote note = NoteVerifiers.of(peter).open(bytes(TEXT + "\n" + PETER_SIG + ENOCH_SIG));

        assertThat(note.text()).isEqualTo(TEXT);
        assertThat(note.verified()).containsExactly(PETER);
        assertThat(note.unverified()).containsExactly(ENOCH);
    }

    @Test
    void both_known_keys_verify_the_doubly_signed_go_note() {
        VerifiedNote note = NoteVerifiers.of(peter, enoch).open(bytes(TEXT + "\n" + PETER_SIG + ENOCH_SIG));

        assertThat(note.verified()).containsExactly(PETER, ENOCH);
        assertThat(note.unverified()).isEmpty();
    }

    @Test
    void a_note_no_known_key_signed_is_refused() {
        var error = assertThrows(InvalidNote.class, () -> NoteVerifiers.of().open(bytes(TEXT + "\n" + PETER_SIG + ENOCH_SIG)));

        assertThat(error.reason()).isEqualTo(Reason.NO_KNOWN_SIGNATURE);
        assertThat(error).hasMessageStartingWith("note has no verifiable signatures");
    }

    @Test
    void a_key_listed_twice_is_ambiguous_only_for_its_own_signatures() {
        NoteVerifiers verifiers = new NoteVerifiers(List.of(enoch, peter, enoch));

        var error = assertThrows(InvalidNote.class, () -> verifiers.open(bytes(TEXT + "\n" + ENOCH_SIG)));
        VerifiedNote unaffected = verifiers.open(bytes(TEXT + "\n" + PETER_SIG));

        assertThat(error.reason()).isEqualTo(Reason.AMBIGUOUS_KEY);
        assertThat(error).hasMessage("ambiguous key EnochRoot+af0cfe78");
        assertThat(unaffected.verified()).containsExactly(PETER);
    }

    @Test
    void more_than_a_hundred_signatures_are_malformed() {
        String note = TEXT + "\n" + PETER_SIG.repeat(101);

        assertThat(assertThrows(InvalidNote.class, () -> NoteVerifiers.of(peter).open(bytes(note))).reason())
                .isEqualTo(Reason.MALFORMED_NOTE);
        assertThat(assertThrows(InvalidNote.class, () -> NoteVerifiers.of().open(bytes(note))).reason())
                .isEqualTo(Reason.MALFORMED_NOTE);
        assertThat(NoteVerifiers.of(peter).open(bytes(TEXT + "\n" + PETER_SIG.repeat(100))).verified()).containsExactly(PETER);
    }

    @Test
    void a_known_key_whose_signature_does_not_verify_refuses_the_whole_note() {
        String forged = insertAtByte(PETER_SIG, 60, "ABCD");

        var error = assertThrows(InvalidNote.class, () -> NoteVerifiers.of(peter).open(bytes(TEXT + "\n" + forged)));

        assertThat(error.reason()).isEqualTo(Reason.INVALID_SIGNATURE);
        assertThat(error).hasMessage("invalid signature for key PeterNeumann+c74f20a3");
    }

    @Test
    void repeated_signatures_are_dropped_and_an_unknown_keys_bad_signature_is_ignored() {
        String enochAbcd = insertAtByte(ENOCH_SIG, 60, "ABCD");

        VerifiedNote note = NoteVerifiers.of(peter).open(bytes(TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG + enochAbcd));

        assertThat(note.verified()).containsExactly(PETER);
        assertThat(note.unverified()).containsExactly(ENOCH, new NoteSignature("EnochRoot", 0xaf0cfe78,
                "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n" + "ABCD" + "2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ="));
    }

    @Test
    void malformed_notes_are_refused_as_malformed() {
        List<String> bad = List.of(
                TEXT,
                TEXT + "\n",
                TEXT + "\n" + PETER_SIG.substring(0, PETER_SIG.length() - 1),
                "\u0001" + TEXT + "\n" + PETER_SIG,
                TEXT + "\n" + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
                TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
                // and beyond Go's list: a trailing space, CR line ends, missing padding, a blank line at the end
                TEXT + "\n" + PETER_SIG.replace("\n", " \n"),
                TEXT.replace("\n", "\r\n") + "\r\n" + PETER_SIG,
                TEXT + "\n" + PETER_SIG.replace("=\n", "\n"),
                TEXT + "\n" + PETER_SIG + "\n");

        for (String note : bad) {
            assertThat(assertThrows(InvalidNote.class, () -> NoteVerifiers.of(peter).open(bytes(note)), note).reason())
                    .as(note).isEqualTo(Reason.MALFORMED_NOTE);
        }
        byte[] invalidUtf8 = bytes("?" + TEXT + "\n" + PETER_SIG);
        invalidUtf8[0] = (byte) 0xff;
        assertThat(assertThrows(InvalidNote.class, () -> NoteVerifiers.of(peter).open(invalidUtf8)).reason())
                .isEqualTo(Reason.MALFORMED_NOTE);
    }

    @Test
    void the_c2sp_signed_note_example_verifies_with_its_verifier_key() {
        var key = NoteVerifierKey.parse("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
        String note = "This is an example message.\n\n"
                + "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

        VerifiedNote opened = NoteVerifiers.of(key).open(bytes(note));

        assertThat(opened.text()).isEqualTo("This is an example message.\n");
        assertThat(Note.parse(bytes(note)).toString()).isEqualTo(note);
    }

    @Test
    void a_text_may_hold_blank_lines_the_last_one_separates_the_signatures() {
        NoteSigner signer = NoteSigner.parse(PETER_SKEY);
        String text = "first\n\nsecond\n\n";

        Note note = Note.sign(text, List.of(signer));

        assertThat(NoteVerifiers.of(peter).open(note.encode()).text()).isEqualTo(text);
        assertThrows(IllegalArgumentException.class, () -> Note.sign("no final newline", List.of(signer)));
        assertThrows(IllegalArgumentException.class, () -> Note.sign("tab\there\n", List.of(signer)));
    }

    private static void acceptedKey(String candidate, List<String> accepted) {
        try {
            NoteVerifierKey.parse(candidate);
            accepted.add(candidate);
        } catch (IllegalArgumentException expected) {
            // refused, as it must be
        }
    }

    private static void acceptedSigner(String candidate, List<String> accepted) {
        try {
            NoteSigner.parse(candidate);
            accepted.add(candidate);
        } catch (IllegalArgumentException expected) {
            // refused, as it must be
        }
    }

    /** Go's {@code s[:at] + insert + s[at:]}: Go strings index bytes (the em dash is three). */
    private static String insertAtByte(String s, int at, String insert) {
        byte[] b = bytes(s);
        return new String(b, 0, at, StandardCharsets.UTF_8) + insert + new String(b, at, b.length - at, StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
