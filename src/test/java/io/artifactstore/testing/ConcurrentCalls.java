package io.artifactstore.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Fires API calls at the same moment from as many threads, for race tests: each call waits on one
 * start gate, so they really overlap on the server. Answers the calls' responses in order.
 */
public final class ConcurrentCalls {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String baseUrl;
    private final String token;
    private final List<HttpRequest> requests = new ArrayList<>();

    public ConcurrentCalls(String baseUrl, String token) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token;
    }

    public ConcurrentCalls post(String path, String json) {
        return add(request(path).header("Content-Type", "application/json")
                .POST(json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json)));
    }

    public ConcurrentCalls delete(String path) {
        return add(request(path).DELETE());
    }

    private ConcurrentCalls add(HttpRequest.Builder request) {
        requests.add(request.build());
        return this;
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token);
    }

    /** Sends every call at once and waits for all of them. */
    public List<HttpResponse<String>> run() {
        ExecutorService threads = Executors.newFixedThreadPool(requests.size());
        try {
            CountDownLatch gate = new CountDownLatch(1);
            List<Future<HttpResponse<String>>> pending = new ArrayList<>();
            for (HttpRequest request : requests) {
                Callable<HttpResponse<String>> call = () -> {
                    gate.await();
                    HttpResponse<String> answer = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
                    ApiDescription.observe(request.uri(), request.method(), answer.statusCode(),
                            name -> answer.headers().firstValue(name).orElse(null));
                    return answer;
                };
                pending.add(threads.submit(call));
            }
            gate.countDown();
            List<HttpResponse<String>> responses = new ArrayList<>();
            for (Future<HttpResponse<String>> future : pending) {
                responses.add(future.get());
            }
            return responses;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            threads.shutdownNow();
        }
    }
}
