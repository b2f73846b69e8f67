package io.timestore.server.config;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * An IP address or CIDR block written literally ({@code 10.0.0.0/8}, {@code 192.0.2.7},
 * {@code fd00::/8}); never resolved through DNS. Used for {@code server.trusted-proxies}.
 *
 * @param network the block's address bytes (4 or 16)
 * @param bits    how many leading bits must match
 */
public record AddressRange(byte[] network, int bits) {
    public AddressRange {
        Objects.requireNonNull(network, "network");
        network = network.clone();
        if (bits < 0 || bits > network.length * 8) {
            throw new IllegalArgumentException("prefix length out of range: " + bits);
        }
    }

    /** {@code text} as an address or CIDR block, or empty when it is neither. */
    public static Optional<AddressRange> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        var trimmed = text.strip();
        int slash = trimmed.indexOf('/');
        var address = literal(slash < 0 ? trimmed : trimmed.substring(0, slash));
        if (address.isEmpty()) {
            return Optional.empty();
        }
        int max = address.get().length * 8;
        int bits = max;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(trimmed.substring(slash + 1));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            if (bits < 0 || bits > max) {
                return Optional.empty();
            }
        }
        return Optional.of(new AddressRange(address.get(), bits));
    }

    /** The bytes of a literal IPv4 or IPv6 address, or empty (host names are not addresses here). */
    public static Optional<byte[]> literal(String text) {
        if (text == null || text.isEmpty() || !(text.indexOf(':') >= 0 || text.matches("[0-9.]+"))) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.ofLiteral(text).getAddress());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code address} (4 or 16 bytes) lies in this block. */
    public boolean contains(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (address[full] & mask) == (network[full] & mask);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof AddressRange range && range.bits == bits && java.util.Arrays.equals(range.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Arrays.hashCode(network) + bits;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + bits;
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
