package io.artifactstore.testing;

import io.artifactstore.provider.SignedRequest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A plain HTTP client, as a frontend would use it: no SDK, just the signed URL and its headers. */
public final class SignedUrlClient {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private SignedUrlClient() {
    }

    /** Sends exactly what the ticket says, with the given body. */
    public static HttpResponse<byte[]> put(SignedRequest ticket, byte[] body) {
        return put(ticket.url(), ticket.headers(), body);
    }

    public static HttpResponse<byte[]> put(String url, Map<String, String> headers, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return send(request.build());
    }

    public static HttpResponse<byte[]> get(String url) {
        return get(url, Map.of());
    }

    public static HttpResponse<byte[]> get(String url, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET();
        headers.forEach(request::header);
        return send(request.build());
    }

    public static HttpResponse<byte[]> head(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
    }

    /**
     * Sends once more when the first attempt got no answer at all: a server may close a kept-alive
     * connection (S3Proxy does after refusing a PUT) just as the pool hands it out, and the JDK only
     * retries idempotent methods by itself. Browsers retry such a request too; the bodies here are
     * byte arrays, so resending is exact.
     */
    private static HttpResponse<byte[]> send(HttpRequest request) {
        HttpResponse<byte[]> answer = sendOnce(request);
        ApiDescription.observe(request.uri(), request.method(), answer.statusCode(),
                name -> answer.headers().firstValue(name).orElse(null));
        return answer;
    }

    private static HttpResponse<byte[]> sendOnce(HttpRequest request) {
        try {
            try {
                return HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException noAnswer) {
                return HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
