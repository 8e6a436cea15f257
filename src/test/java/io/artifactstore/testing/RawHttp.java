package io.artifactstore.testing;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 connection on a plain socket, for what ordinary clients cannot do: send a head and
 * then stall, trickle a body, or send a malformed request; and see whether the server closed it.
 */
public final class RawHttp implements Closeable {

    private final Socket socket;
    private final InputStream in;
    private final int port;
    /** The request line of the first request sent, for {@link ApiDescription}; null until one is sent. */
    private String[] requestLine;

    private RawHttp(Socket socket, int port) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.port = port;
    }

    public static RawHttp open(int port) {
        return open(port, "127.0.0.1");
    }

    /**
     * A connection from {@code localAddress}, any of 127.0.0.0/8 on Linux: many clients, each with an
     * address of its own, for the service's bounds per client address.
     */
    public static RawHttp open(int port, String localAddress) {
        try {
            Socket socket = new Socket();
            socket.bind(new InetSocketAddress(localAddress, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            return new RawHttp(socket, port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The head of a PUT to a signed URL, announcing {@code length} body bytes. */
    public static String putHead(String url, String contentType, long length) {
        URI uri = URI.create(url);
        return "PUT " + uri.getRawPath() + "?" + uri.getRawQuery() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: " + contentType + "\r\nContent-Length: " + length + "\r\n\r\n";
    }

    public RawHttp send(String text) {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawHttp send(byte[] bytes) {
        if (requestLine == null) {
            String head = new String(bytes, 0, Math.min(bytes.length, 8192), StandardCharsets.ISO_8859_1);
            requestLine = head.contains("\r\n") ? head.substring(0, head.indexOf("\r\n")).split(" ") : new String[0];
        }
        try {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one response (status, headers, a Content-Length body), waiting at most {@code timeout}. */
    public Response read(Duration timeout) {
        try {
            socket.setSoTimeout((int) timeout.toMillis());
            String statusLine = line();
            Map<String, String> headers = new HashMap<>();
            for (String line = line(); !line.isEmpty(); line = line()) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            byte[] body = in.readNBytes(length);
            Response answer = new Response(Integer.parseInt(statusLine.split(" ")[1]), headers, new String(body, StandardCharsets.UTF_8));
            if (requestLine != null && requestLine.length == 3) {
                ApiDescription.uri("http://127.0.0.1:" + port + requestLine[1])
                        .ifPresent(uri -> ApiDescription.observe(uri, requestLine[0], answer.status(), answer::header));
            }
            return answer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the server closes the connection within {@code timeout} (end of stream or reset). */
    public boolean closedByServer(Duration timeout) {
        try {
            socket.setSoTimeout((int) timeout.toMillis());
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b == -1) {
                throw new IOException("Connection closed before a full response");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    public record Response(int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }
}
