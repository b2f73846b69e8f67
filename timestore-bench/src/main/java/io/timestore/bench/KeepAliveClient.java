package io.timestore.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A deliberately small HTTP/1.1 client for paced load: a fixed pool of keep-alive connections
 * with blocking I/O, meant to be called from virtual threads, sending one prepared GET and reading
 * (and discarding) the response. It costs the shared 2-core machine a fraction of what
 * {@code java.net.http.HttpClient} does per request (which spent about 0.5 ms of CPU per request
 * here, CPU that the server under test then did not get).
 *
 * <p>Understands what Timestore answers: a status line, headers, and a body framed by
 * {@code Content-Length} or chunked transfer coding; a connection the server closes is reopened.
 * Thread-safe.
 */
final class KeepAliveClient implements AutoCloseable {
    private final InetSocketAddress address;
    private final BlockingQueue<Connection> idle;

    KeepAliveClient(URI base, int connections) {
        this.address = new InetSocketAddress(base.getHost(), base.getPort());
        this.idle = new ArrayBlockingQueue<>(connections);
        for (int i = 0; i < connections; i++) {
            idle.add(new Connection());
        }
    }

    /** The bytes of a GET of {@code pathAndQuery} with the given extra header lines ("Name: value"). */
    byte[] get(String pathAndQuery, String... headers) {
        var request = new StringBuilder("GET ").append(pathAndQuery).append(" HTTP/1.1\r\nHost: ")
                .append(address.getHostString()).append(':').append(address.getPort()).append("\r\n");
        for (String header : headers) {
            request.append(header).append("\r\n");
        }
        return request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Sends {@code request} on the next free connection (waiting for one) and returns the status.
     *
     * @throws IOException when the exchange fails; the connection is then reopened for the next use
     */
    int send(byte[] request) throws IOException, InterruptedException {
        var connection = idle.take();
        try {
            return connection.exchange(request);
        } finally {
            idle.add(connection);
        }
    }

    /**
     * Whether {@code request} is answered 200; false for another status and for a failed or
     * interrupted exchange, which the paced loads count as errors instead of stopping.
     */
    boolean answeredOk(byte[] request) {
        try {
            return send(request) == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        idle.forEach(Connection::close);
    }

    /** The connection was closed before any byte of the response arrived. */
    private static final class StaleConnection extends EOFException {
        StaleConnection() {
            super("connection closed before the response");
        }
    }

    private final class Connection {
        private Socket socket;
        private InputStream in;
        private OutputStream out;

        int exchange(byte[] request) throws IOException {
            boolean reused = socket != null;
            try {
                return send(request);
            } catch (StaleConnection e) {
                close();
                if (!reused) {
                    throw e;
                }
                // The server closed this idle keep-alive connection before the request reached it.
                try {
                    return send(request);
                } catch (IOException | RuntimeException retry) {
                    close();
                    throw retry;
                }
            } catch (IOException | RuntimeException e) {
                // Whatever was left half-read must not be parsed as the next response.
                close();
                throw e;
            }
        }

        private int send(byte[] request) throws IOException {
            if (socket == null) {
                open();
            }
            out.write(request);
            out.flush();
            int first = in.read();
            if (first < 0) {
                throw new StaleConnection();
            }
            return readResponse((char) first);
        }

        private void open() throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(address, 10_000);
            in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            out = new BufferedOutputStream(socket.getOutputStream(), 8 * 1024);
        }

        private int readResponse(char first) throws IOException {
            String statusLine = first + line();
            if (!statusLine.startsWith("HTTP/1.1 ") || statusLine.length() < 12) {
                throw new IOException("not an HTTP/1.1 status line: " + statusLine);
            }
            int status = Integer.parseInt(statusLine, 9, 12, 10);
            long length = -1;
            boolean chunked = false;
            boolean closing = false;
            for (String header = line(); !header.isEmpty(); header = line()) {
                int colon = header.indexOf(':');
                String name = header.substring(0, Math.max(colon, 0)).trim().toLowerCase(Locale.ROOT);
                String value = header.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "connection" -> closing = java.util.Arrays.stream(value.split(","))
                            .anyMatch(token -> token.strip().equalsIgnoreCase("close"));
                    default -> { }
                }
            }
            if (chunked) {
                for (long size = Long.parseLong(line().split(";", 2)[0].trim(), 16); size > 0;
                     size = Long.parseLong(line().split(";", 2)[0].trim(), 16)) {
                    skip(size);
                    line();
                }
                while (!line().isEmpty()) { } // trailers
            } else if (length > 0) {
                skip(length);
            } else if (length < 0 && status != 204 && status != 304) {
                // No framing: the body runs to the end of the connection.
                while (in.read() >= 0) { }
                closing = true;
            }
            if (closing) {
                close();
            }
            return status;
        }

        private String line() throws IOException {
            var text = new StringBuilder(64);
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new EOFException("connection closed mid-response");
                }
                if (c != '\r') {
                    text.append((char) c);
                }
            }
            return text.toString();
        }

        private void skip(long bytes) throws IOException {
            long left = bytes;
            while (left > 0) {
                long skipped = in.skip(left);
                if (skipped <= 0) {
                    if (in.read() < 0) {
                        throw new EOFException("connection closed mid-body");
                    }
                    skipped = 1;
                }
                left -= skipped;
            }
        }

        void close() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing a broken connection: nothing left to do
                }
                socket = null;
            }
        }
    }
}
