package io.timestore.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The client address blocking counts and audit records: the connection's peer unless the peer is
 * a configured trusted proxy (docs/configuration.md, {@code server.trusted-proxies}).
 */
class SourceAddressTest {

    @Test
    void without_trusted_proxies_x_forwarded_for_is_never_read() {
        var sources = new SourceAddress(List.of());
        assertThat(sources.resolve("192.0.2.10", List.of("198.51.100.7"))).isEqualTo("192.0.2.10");
    }

    @Test
    void a_peer_that_is_not_a_trusted_proxy_is_the_client_whatever_it_forwards() {
        var sources = new SourceAddress(List.of("10.0.0.0/8"));
        assertThat(sources.resolve("192.0.2.10", List.of("198.51.100.7"))).isEqualTo("192.0.2.10");
    }

    @Test
    void behind_trusted_proxies_the_rightmost_untrusted_address_is_the_client_and_forged_entries_left_of_it_are_ignored() {
        var sources = new SourceAddress(List.of("10.0.0.0/8", "::1"));
        // The client forged "203.0.113.9"; its real address was appended by the first proxy, 10.1.1.1 by the second.
        assertThat(sources.resolve("10.2.2.2", List.of("203.0.113.9, 198.51.100.7", "10.1.1.1"))).isEqualTo("198.51.100.7");
        assertThat(sources.resolve("0:0:0:0:0:0:0:1", List.of("2001:db8::5"))).isEqualTo("2001:db8:0:0:0:0:0:5");
    }

    @Test
    void a_trusted_proxy_without_x_forwarded_for_or_with_garbage_in_it_is_taken_as_the_client() {
        var sources = new SourceAddress(List.of("10.0.0.0/8"));
        assertThat(sources.resolve("10.2.2.2", List.of())).isEqualTo("10.2.2.2");
        assertThat(sources.resolve("10.2.2.2", List.of("198.51.100.7, unknown"))).isEqualTo("10.2.2.2");
    }

    @Test
    void entries_that_are_not_addresses_or_blocks_are_refused() {
        assertThatThrownBy(() -> new SourceAddress(List.of("proxy.example.com"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SourceAddress(List.of("10.0.0.0/33"))).isInstanceOf(IllegalArgumentException.class);
    }
}
