package io.timestore.audit;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A data source that behaves like a pool towards its callers: closing a connection it handed out
 * keeps the database session open (and with it any session lock), as a pool returning it to
 * its idle list would. {@link #closeAll} ends the sessions.
 */
final class KeepSessionsOpen implements DataSource {
    private final DataSource sessions;
    private final boolean single;
    private final List<Connection> opened = new CopyOnWriteArrayList<>();

    KeepSessionsOpen(DataSource sessions) {
        this(sessions, false);
    }

    private KeepSessionsOpen(DataSource sessions, boolean single) {
        this.sessions = sessions;
        this.single = single;
    }

    /** Hands out one and the same session every time, like a pool of one connection. */
    static KeepSessionsOpen oneSession(DataSource sessions) {
        return new KeepSessionsOpen(sessions, true);
    }

    @Override
    public synchronized Connection getConnection() throws SQLException {
        Connection session;
        if (single && !opened.isEmpty()) {
            session = opened.getFirst();
        } else {
            session = sessions.getConnection();
            opened.add(session);
        }
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, arguments) -> {
                    if (method.getName().equals("close")) {
                        return null;
                    }
                    try {
                        return method.invoke(session, arguments);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    void closeAll() {
        for (var session : opened) {
            try {
                session.close();
            } catch (SQLException ignored) {
                // already gone
            }
        }
    }

    @Override
    public Connection getConnection(String user, String password) {
        throw new UnsupportedOperationException();
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() {
        return Logger.getGlobal();
    }

    @Override
    public <T> T unwrap(Class<T> type) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean isWrapperFor(Class<?> type) {
        return false;
    }
}
