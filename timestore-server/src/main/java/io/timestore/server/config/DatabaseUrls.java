package io.timestore.server.config;

import java.util.regex.Pattern;

/** Makes JDBC URLs safe to print: any credential in them is masked. */
public final class DatabaseUrls {
    private static final Pattern CREDENTIAL_PARAMETER =
            Pattern.compile("(?i)([?&;](?:password|sslpassword|sslkey)=)[^&;]*");
    private static final Pattern USER_INFO = Pattern.compile("(//)([^/@]*)@");

    private DatabaseUrls() {}

    /** The value of query parameter {@code name} (case-insensitive), if the URL has it. */
    public static java.util.Optional<String> parameter(String url, String name) {
        var matcher = Pattern.compile("(?i)[?&]" + Pattern.quote(name) + "=([^&]*)").matcher(url);
        return matcher.find() ? java.util.Optional.of(matcher.group(1)) : java.util.Optional.empty();
    }

    /** {@code url} with {@code name=value} appended to its query. */
    public static String withParameter(String url, String name, String value) {
        return url + (url.contains("?") ? "&" : "?") + name + "=" + java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8);
    }

    public static String mask(String url) {
        var masked = CREDENTIAL_PARAMETER.matcher(url).replaceAll("$1****");
        return USER_INFO.matcher(masked).replaceAll("$1****@");
    }
}
