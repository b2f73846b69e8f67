package io.timestore.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** A data source pointing at a local port where nothing listens: every connection is refused. */
final class Unreachable {
    private Unreachable() {}

    static DataSource dataSource() {
        int port;
        try (var socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        var dataSource = new PGSimpleDataSource();
        dataSource.setServerNames(new String[] {"localhost"});
        dataSource.setPortNumbers(new int[] {port});
        dataSource.setDatabaseName("nowhere");
        dataSource.setUser("nobody");
        dataSource.setConnectTimeout(2);
        return dataSource;
    }
}
