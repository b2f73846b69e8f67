package io.timestore.server.delivery.webhook;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a webhook may send (SSRF defence): {@code https} only unless {@code allowHttp}; the URL's host
 * must match {@code allowedHosts} when that list is not empty (an exact host, or {@code *.example.com}
 * for its subdomains); and every address the host resolves to must be public (not loopback,
 * private, link-local, unique-local, carrier-grade NAT, multicast, unspecified or reserved) unless
 * {@code allowPrivateAddresses}. The address check runs again when the connection is made
 * ({@link WebhookClient} connects only to addresses that passed it), so a DNS answer that changes
 * after the URL was accepted (DNS rebinding) cannot redirect delivery to an internal address.
 * Thread-safe (immutable).
 */
public record OutboundPolicy(List<String> allowedHosts, boolean allowHttp, boolean allowPrivateAddresses) {
    private static final Pattern HOST_PATTERN = Pattern.compile("(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");

    public OutboundPolicy {
        allowedHosts = allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
        for (var host : allowedHosts) {
            if (!HOST_PATTERN.matcher(host).matches()) {
                throw new IllegalArgumentException("\"%s\" is not a host name or *.domain pattern".formatted(host));
            }
        }
    }

    /** https only, any host, public addresses only: the default. */
    public static OutboundPolicy strict() {
        return new OutboundPolicy(List.of(), false, false);
    }

    /**
     * Checks what can be checked without DNS: the scheme, the host's form and the allow-list, and an
     * IP-literal host's address.
     *
     * @return {@code url}
     * @throws RefusedDestination naming the rule
     */
    public URI checkUrl(URI url) {
        Objects.requireNonNull(url, "url");
        var scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(allowHttp && scheme.equals("http"))) {
            throw new RefusedDestination(allowHttp ? "the URL must be https or http (found \"%s\")".formatted(scheme)
                    : "the URL must be https (found \"%s\"; http needs allow-http)".formatted(scheme));
        }
        if (url.getRawUserInfo() != null) {
            throw new RefusedDestination("the URL must not carry user information (credentials belong in the secret)");
        }
        if (url.getRawFragment() != null) {
            throw new RefusedDestination("the URL must not have a fragment");
        }
        var host = host(url);
        if (!allowedHosts.isEmpty() && allowedHosts.stream().noneMatch(pattern -> matches(pattern, host))) {
            throw new RefusedDestination("host %s is not in the allow-list %s".formatted(host, allowedHosts));
        }
        if (isIpLiteral(host)) {
            try {
                checkAddress(host, InetAddress.getByName(host));
            } catch (UnknownHostException e) {
                throw new RefusedDestination("host %s is not a valid address".formatted(host));
            }
        }
        return url;
    }

    /**
     * Resolves {@code host} and checks every address it has.
     *
     * @throws RefusedDestination if any address is not allowed (one bad address refuses them all, so a
     *                            mixed answer cannot win a race)
     * @throws UnknownHostException if the name does not resolve (retryable: DNS may come back)
     */
    public List<InetAddress> resolve(String host) throws UnknownHostException {
        var addresses = List.of(InetAddress.getAllByName(host));
        for (var address : addresses) {
            checkAddress(host, address);
        }
        return addresses;
    }

    /** The URL's host in lower case, without IPv6 brackets. */
    static String host(URI url) {
        var host = url.getHost();
        if (host == null || host.isEmpty()) {
            throw new RefusedDestination("the URL has no host");
        }
        host = host.toLowerCase(Locale.ROOT);
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private void checkAddress(String host, InetAddress address) {
        if (!allowPrivateAddresses && isNonPublic(address)) {
            throw new RefusedDestination("host %s resolves to %s, a non-public address (allow-private-addresses permits it)"
                    .formatted(host, address.getHostAddress()));
        }
    }

    private static boolean matches(String pattern, String host) {
        return pattern.startsWith("*.") ? host.endsWith(pattern.substring(1)) : host.equals(pattern);
    }

    private static boolean isIpLiteral(String host) {
        return host.contains(":") || host.matches("[0-9.]+");
    }

    /** Loopback, private, link-local, unique-local, CGNAT, multicast, unspecified, reserved, or an IPv4 embedded in such. */
    static boolean isNonPublic(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return true;
        }
        var b = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first == 0 // this network
                    || (first == 100 && second >= 64 && second <= 127) // carrier-grade NAT 100.64/10
                    || (first == 192 && second == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
                    || (first == 198 && (second == 18 || second == 19)) // benchmarking 198.18/15
                    || first >= 240; // reserved and broadcast
        }
        if (address instanceof Inet6Address) {
            if ((b[0] & 0xfe) == 0xfc) {
                return true; // unique local fc00::/7
            }
            if (isZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                return isNonPublic(v4(b, 12)); // IPv4-mapped
            }
            if ((b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
                return isNonPublic(v4(b, 12)); // NAT64 64:ff9b::/96
            }
            if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) {
                return isNonPublic(v4(b, 2)); // 6to4 2002::/16
            }
            return isZero(b, 0, 12); // IPv4-compatible and other reserved ::/96
        }
        return true;
    }

    private static boolean isZero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static InetAddress v4(byte[] bytes, int offset) {
        try {
            return InetAddress.getByAddress(new byte[] {bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]});
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are always an IPv4 address", e);
        }
    }
}
