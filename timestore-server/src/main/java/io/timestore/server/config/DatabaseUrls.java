package io.timestore.server.config;

import java.util.regex.Pattern;

/** Makes JDBC URLs safe to print: any credential in them is masked. */
public final class DatabaseUrls {
    private static final Pattern CREDENTIAL_PARAMETER =
            Pattern.compile("(?i)([?&;](?:password|sslpassword|sslkey)=)[^&;]*");
    private static final Pattern USER_INFO = Pattern.compile("(//)([^/@]*)@");

    private DatabaseUrls() {}

    public static String mask(String url) {
        var masked = CREDENTIAL_PARAMETER.matcher(url).replaceAll("$1****");
        return USER_INFO.matcher(masked).replaceAll("$1****@");
    }
}
