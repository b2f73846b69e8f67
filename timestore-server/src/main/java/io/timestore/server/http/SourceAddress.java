package io.timestore.server.http;

import io.javalin.http.Context;
import io.timestore.server.config.AddressRange;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The client address of a request: the connection's peer, unless that peer is a reverse proxy
 * named in {@code server.trusted-proxies}. Only then is {@code X-Forwarded-For} read, from the
 * right: the first address that is not itself a trusted proxy is the client (what a trusted proxy
 * appended; anything further left was written by the client and can be forged). With no trusted
 * proxies (the default) the header is never read. Used for audit events ({@code request.source_ip})
 * and automatic blocking, so both name the same address. Thread-safe.
 */
public final class SourceAddress {
    static final String ATTRIBUTE = "timestore.source";
    private final List<AddressRange> trusted;

    public SourceAddress(List<String> trustedProxies) {
        this.trusted = Objects.requireNonNull(trustedProxies, "trustedProxies").stream()
                .map(entry -> AddressRange.parse(entry).orElseThrow(() -> new IllegalArgumentException("not an address or CIDR block: " + entry)))
                .toList();
    }

    /** The source address {@link HttpServer} determined for {@code ctx}, or the connection's peer. */
    public static String of(Context ctx) {
        String source = ctx.attribute(ATTRIBUTE);
        return source != null ? source : ctx.req().getRemoteAddr();
    }

    /** Determines the client address of {@code ctx} (see the class comment). */
    String resolve(Context ctx) {
        return resolve(ctx.req().getRemoteAddr(), Gate.headerValues(ctx, "X-Forwarded-For"));
    }

    String resolve(String peer, List<String> forwardedFor) {
        var peerBytes = AddressRange.literal(peer);
        if (trusted.isEmpty() || peerBytes.isEmpty() || !isTrusted(peerBytes.get())) {
            return normal(peer, peerBytes);
        }
        var hops = new ArrayList<String>();
        for (var value : forwardedFor) {
            for (var hop : value.split(",")) {
                hops.add(hop.strip());
            }
        }
        String client = normal(peer, peerBytes);
        for (int i = hops.size() - 1; i >= 0; i--) {
            var bytes = AddressRange.literal(bracketless(hops.get(i)));
            if (bytes.isEmpty()) {
                return client; // not an address: trust nothing written before it
            }
            client = normal(hops.get(i), bytes);
            if (!isTrusted(bytes.get())) {
                return client;
            }
        }
        return client;
    }

    private boolean isTrusted(byte[] address) {
        return trusted.stream().anyMatch(range -> range.contains(address));
    }

    private static String bracketless(String hop) {
        return hop.startsWith("[") && hop.endsWith("]") ? hop.substring(1, hop.length() - 1) : hop;
    }

    private static String normal(String text, Optional<byte[]> bytes) {
        if (bytes.isEmpty()) {
            return text;
        }
        try {
            return InetAddress.getByAddress(bytes.get()).getHostAddress();
        } catch (UnknownHostException e) {
            return text;
        }
    }
}
