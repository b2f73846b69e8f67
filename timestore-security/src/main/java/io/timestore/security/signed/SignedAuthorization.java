package io.timestore.security.signed;

import io.timestore.security.AuthenticationFailure;
import io.timestore.security.AuthenticationFailure.Reason;
import java.util.ArrayList;
import java.util.List;

/**
 * The parsed parameters of {@code Authorization: TS1-HMAC-SHA256 Credential=<key id>,
 * SignedHeaders=<a;b;c>, Signature=<64 hex>}. Parsing is strict: each parameter exactly once, in
 * any order; header names lower-case, sorted and unique, so a signed-header list has exactly one
 * spelling.
 */
record SignedAuthorization(String keyId, List<String> signedHeaders, String signature) {

    static SignedAuthorization parse(String parameters) {
        String keyId = null;
        String headers = null;
        String signature = null;
        for (String part : parameters.split(",", -1)) {
            String p = part.strip();
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw malformed();
            }
            String name = p.substring(0, eq);
            String value = p.substring(eq + 1);
            switch (name) {
                case "Credential" -> keyId = once(keyId, value);
                case "SignedHeaders" -> headers = once(headers, value);
                case "Signature" -> signature = once(signature, value);
                default -> throw malformed();
            }
        }
        if (keyId == null || headers == null || signature == null) {
            throw malformed();
        }
        if (!isKeyId(keyId)) {
            throw malformed();
        }
        if (signature.length() != 64 || !isLowerHex(signature)) {
            throw new AuthenticationFailure(Reason.SIGNATURE_INVALID, "Signature must be 64 lower-case hex digits");
        }
        return new SignedAuthorization(keyId, signedHeaderList(headers), signature);
    }

    private static List<String> signedHeaderList(String value) {
        var names = new ArrayList<String>();
        String previous = null;
        for (String name : value.split(";", -1)) {
            if (name.isEmpty() || !isLowerToken(name) || (previous != null && name.compareTo(previous) <= 0)) {
                throw new AuthenticationFailure(Reason.CREDENTIALS_MALFORMED,
                        "SignedHeaders must be lower-case header names, sorted, separated by ';'");
            }
            names.add(name);
            previous = name;
        }
        return List.copyOf(names);
    }

    private static String once(String existing, String value) {
        if (existing != null) {
            throw malformed();
        }
        return value;
    }

    static boolean isKeyId(String value) {
        if (value.isEmpty() || value.length() > 128) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLowerHex(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLowerToken(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    private static AuthenticationFailure malformed() {
        return new AuthenticationFailure(Reason.CREDENTIALS_MALFORMED,
                "expected TS1-HMAC-SHA256 Credential=<key id>, SignedHeaders=<names>, Signature=<hex>");
    }

    @Override
    public String toString() {
        return "SignedAuthorization[keyId=" + keyId + ", signedHeaders=" + signedHeaders + "]";
    }
}
