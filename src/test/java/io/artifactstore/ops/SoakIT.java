package io.artifactstore.ops;

import io.artifactstore.security.Roles;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.PackagedService;
import io.artifactstore.testing.S3ProxyServer;
import io.artifactstore.testing.S3TestResource;
import io.artifactstore.testing.SignedUrlClient;
import io.artifactstore.testing.TempFolders;
import io.artifactstore.testing.Tokens;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.artifactstore.provider.StorageProviderContract.randomBytes;
import static io.artifactstore.provider.StorageProviderContract.sha256;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The soak of issue 13's "done when": workers create, abandon, complete, replace and delete artifacts
 * at random over two packaged replicas on one PostgreSQL, with both providers (the local root shared by
 * the replicas, as a volume would be, and S3Proxy). Lifetimes are seconds, so tickets expire, the
 * reaper and the tombstone sweep run on both replicas during the traffic. Then, once everything
 * pending has run out, the end state is checked, not the answers: the stores hold exactly the bytes of
 * the AVAILABLE variants, each hashes to its recorded sha256, the reconciler finds nothing, every
 * abandoned upload is EXPIRED, and the two replicas' expiry counters add up to the expired variants
 * (each handled once) with both replicas having reaped some.
 *
 * <p>Short by default (CI); {@code -Dsoak.duration=10m} (and {@code -Dsoak.workers=12}) for a long run:
 * {@code ./mvnw -B -ntp verify -Dit.test=SoakIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dsoak.duration=10m}.
 *
 * <p>Content checks stay on, as in prod: the soak uses the types they do not apply to (text and
 * dataset on local, model routed to S3), so random bytes are honest content.
 */
class SoakIT {

    private static final Duration TRAFFIC = Duration.parse("PT" + System.getProperty("soak.duration", "25s").toUpperCase());
    private static final int WORKERS = Integer.getInteger("soak.workers", 6);
    private static final int MIN_ABANDONED = 40;
    private static final Duration UPLOAD_TTL = Duration.ofSeconds(10);
    private static final List<String> TENANTS = List.of("soak-a", "soak-b", "soak-c");
    /** Type and content type: text and dataset go to local, model is routed to S3. */
    private static final List<String[]> KINDS = List.of(new String[] {"text", "text/plain"},
            new String[] {"dataset", "application/octet-stream"}, new String[] {"model", "application/octet-stream"});

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private static ArtifactStoreTestResource resources;
    private static Map<String, String> settings;
    private static Path s3Work;
    private static S3ProxyServer s3;
    private static PackagedService one;
    private static PackagedService two;

    /** Artifacts whose original was completed and not deleted (as far as this test knows): replace and delete pick here. */
    private final ConcurrentLinkedQueue<Available> available = new ConcurrentLinkedQueue<>();
    /** Artifacts created and left without bytes, with partial bytes or with wrong bytes: each must end EXPIRED. */
    private final Set<String> abandoned = ConcurrentHashMap.newKeySet();
    /** Answers that no rule allows (a 5xx, an unexpected status): the soak fails on any. */
    private final List<String> anomalies = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> operations = new ConcurrentHashMap<>();
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();

    private record Available(String tenant, String id, String type, String contentType) {
    }

    private record Token(String value, Instant mintedAt) {
    }

    private record Answer(int status, JsonNode body, String text) {
    }

    @BeforeAll
    static void startTwoReplicas() throws Exception {
        resources = new ArtifactStoreTestResource();
        settings = resources.start();
        s3Work = Files.createTempDirectory("artifact-store-soak-s3");
        s3 = new S3ProxyServer(ArtifactStoreTestResource.freePort(), s3Work);
        s3.start();
        Map<String, String> shared = new HashMap<>(S3TestResource.settings(s3));
        shared.put("artifact-store.routing.rules[0].when.types", "video,model");
        shared.put("artifact-store.signing.secret", UUID.randomUUID() + "-" + UUID.randomUUID());
        shared.put("artifact-store.signing.upload-ttl", UPLOAD_TTL.toSeconds() + "s");
        shared.put("artifact-store.signing.multipart-ttl", "15s");
        shared.put("artifact-store.lifecycle.pending-grace", "2s");
        shared.put("artifact-store.lifecycle.orphan-grace", "1s");
        shared.put("artifact-store.reconcile.operator-tenants", "soak-admin"); // its admin reconciles every tenant's keys
        // Ticks of slightly different periods drift past each other, so the replicas' reapers meet at every
        // phase, at the same moment included; equal periods would leave each one's share to start-up timing.
        one = new PackagedService("soak-one", settings, with(shared, "artifact-store.lifecycle.reaper-interval", "1s"));
        two = new PackagedService("soak-two", settings, with(shared, "artifact-store.lifecycle.reaper-interval", "PT1.3S"));
        one.start();
        two.start();
        one.awaitReady(Duration.ofSeconds(120));
        two.awaitReady(Duration.ofSeconds(120));
    }

    private static Map<String, String> with(Map<String, String> settings, String key, String value) {
        Map<String, String> all = new HashMap<>(settings);
        all.put(key, value);
        return all;
    }

    @AfterAll
    static void stop() throws InterruptedException {
        boolean stopped = (one == null || one.stop(Duration.ofSeconds(20))) & (two == null || two.stop(Duration.ofSeconds(20)));
        if (s3 != null) {
            s3.stop();
            TempFolders.delete(s3Work);
        }
        resources.stop();
        assertThat(stopped).as("both replicas stop on SIGTERM").isTrue();
    }

    @Test
    void trafficOnTwoReplicasLeavesRecordsAndStoresInExactAgreement() throws Exception {
        runTraffic();
        assertThat(anomalies).as("answers no rule allows").isEmpty();
        assertThat(abandoned).as("abandoned uploads").hasSizeGreaterThanOrEqualTo(MIN_ABANDONED);

        // Everything pending runs out (ticket + grace), both reapers and sweeps catch up.
        one.await("no pending upload, replacement, tombstone or multipart upload is left", Duration.ofSeconds(120),
                () -> query("SELECT (SELECT count(*) FROM artifact_variants WHERE status = 'PENDING' OR replacement_key IS NOT NULL)"
                        + " + (SELECT count(*) FROM object_tombstones) + (SELECT count(*) FROM multipart_uploads)").equals(List.of("0")));

        Map<String, Set<String>> recorded = new TreeMap<>();
        for (String provider : List.of("local", "s3")) {
            recorded.put(provider, new TreeSet<>(query("SELECT storage_key FROM artifact_variants WHERE status = 'AVAILABLE'"
                    + " AND provider = '" + provider + "'")));
        }
        assertThat(recorded.get("local")).as("available on local").hasSizeGreaterThan(10);
        assertThat(recorded.get("s3")).as("available on s3").hasSizeGreaterThan(5);

        // The stores hold exactly the available versions: no byte of an expired, dropped or deleted one, no leftover part.
        Path localRoot = Path.of(settings.get("artifact-store.providers.local.root"));
        assertThat(files(localRoot.resolve(".incoming"))).as("local incoming area").isEmpty();
        Set<String> onLocal = files(localRoot).stream().filter(key -> !key.startsWith(".incoming/"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(onLocal).as("objects on local").isEqualTo(recorded.get("local"));
        Set<String> inBucket = new TreeSet<>(files(s3.dataDirectory().resolve(S3TestResource.BUCKET)));
        assertThat(inBucket).as("objects in the bucket")
                .isEqualTo(recorded.get("s3").stream().map(key -> "store/" + key).collect(Collectors.toCollection(TreeSet::new)));

        // Every available variant's bytes, downloaded through its URL, hash to its recorded sha256.
        List<String> rows = query("SELECT tenant_id || ' ' || artifact_id || ' ' || name || ' ' || coalesce(sha256, '-')"
                + " FROM artifact_variants WHERE status = 'AVAILABLE'");
        for (String row : rows) {
            String[] v = row.split(" ");
            assertThat(v[3]).as("recorded sha256 of %s", v[1]).matches("[0-9a-f]{64}");
            Answer url = call(replica(), "GET", "/api/v1/artifacts/" + v[1] + "/download-url?variant=" + v[2], token(v[0]), null);
            assertThat(url.status()).as(url.text()).isEqualTo(200);
            HttpResponse<byte[]> download = SignedUrlClient.get(url.body().path("url").asText());
            assertThat(download.statusCode()).isEqualTo(200);
            assertThat(sha256(download.body())).as("bytes of %s/%s", v[1], v[2]).isEqualTo(v[3]);
        }

        assertThat(query("SELECT count(*) FROM artifacts a WHERE NOT EXISTS"
                + " (SELECT 1 FROM artifact_variants v WHERE v.artifact_id = a.id)")).as("artifacts without a variant").containsExactly("0");
        assertThat(query("SELECT count(*) FROM artifacts a WHERE a.status <> CASE"
                + " WHEN EXISTS (SELECT 1 FROM artifact_variants v WHERE v.artifact_id = a.id AND v.status = 'AVAILABLE') THEN 'AVAILABLE'"
                + " ELSE 'EXPIRED' END")).as("artifacts whose status disagrees with their variants'").containsExactly("0");

        // The reconciler agrees: nothing without a record, no record without bytes, on either provider.
        for (String provider : List.of("local", "s3")) {
            JsonNode job = reconcile(provider);
            assertThat(job.path("status").asText()).as(job.toString()).isEqualTo("DONE");
            assertThat(job.path("orphanObjects").asLong()).as("orphans on " + provider).isZero();
            assertThat(job.path("missingObjects").asLong()).as("missing on " + provider).isZero();
            assertThat(job.path("scannedObjects").asLong()).as("objects on " + provider).isEqualTo(recorded.get(provider).size());
        }

        // Every abandoned upload expired, and each expiry was counted by exactly one replica.
        assertThat(query("SELECT artifact_id FROM artifact_variants WHERE status = 'EXPIRED'")).as("expired variants")
                .containsAll(abandoned);
        Map<String, Double> expired = new TreeMap<>();
        for (String row : query("SELECT labels || ' ' || count(*) FROM (SELECT split_part(storage_key, '/', 2) || ',' || provider"
                + " AS labels FROM artifact_variants WHERE status = 'EXPIRED') expired GROUP BY labels")) {
            expired.put(row.split(" ")[0], Double.parseDouble(row.split(" ")[1]));
        }
        Map<String, Double> onOne = expiredCounters(one);
        Map<String, Double> onTwo = expiredCounters(two);
        Map<String, Double> counted = new TreeMap<>(onOne);
        onTwo.forEach((labels, count) -> counted.merge(labels, count, Double::sum));
        counted.values().removeIf(count -> count == 0);
        assertThat(counted).as("expiries counted by both replicas, by type and provider").isEqualTo(expired);
        assertThat(onOne.values().stream().mapToDouble(Double::doubleValue).sum()).as("expiries on replica one").isPositive();
        assertThat(onTwo.values().stream().mapToDouble(Double::doubleValue).sum()).as("expiries on replica two").isPositive();

        // The audit trail agrees with the records: each change that happened has its event, once.
        assertThat(query("SELECT count(*) FROM artifact_variants v WHERE v.status = 'EXPIRED' AND (SELECT count(*) FROM audit_events e"
                + " WHERE e.artifact_id = v.artifact_id AND e.variant = v.name AND e.action = 'expire'"
                + " AND e.subject = 'system:expiry-reaper' AND e.detail LIKE 'upload ticket expired%') <> 1"))
                .as("expired variants without exactly one expire event").containsExactly("0");
        assertThat(query("SELECT count(*) FROM artifact_variants v WHERE v.status = 'AVAILABLE' AND NOT EXISTS (SELECT 1 FROM"
                + " audit_events e WHERE e.artifact_id = v.artifact_id AND e.variant = v.name AND e.action = 'complete'"
                + " AND e.outcome = 'succeeded')")).as("available variants without a complete event").containsExactly("0");
        assertThat(query("SELECT count(*) FROM (SELECT DISTINCT artifact_id FROM audit_events WHERE action = 'create') c"
                + " WHERE NOT EXISTS (SELECT 1 FROM artifacts a WHERE a.id = c.artifact_id)"
                + " AND (SELECT count(*) FROM audit_events d WHERE d.artifact_id = c.artifact_id AND d.action = 'delete') <> 1"))
                .as("deleted artifacts without exactly one delete event").containsExactly("0");
        assertThat(query("SELECT count(*) FROM artifacts a WHERE NOT EXISTS (SELECT 1 FROM audit_events e"
                + " WHERE e.artifact_id = a.id AND e.action = 'create')")).as("artifacts without a create event").containsExactly("0");

        for (PackagedService replica : List.of(one, two)) {
            assertThat(replica.log()).as("errors in the log of replica " + replica.apiPort()).doesNotContain("\"level\":\"ERROR\"");
        }
        System.out.printf("SoakIT: %s of traffic, %d workers, operations %s, abandoned %d, expired %s (one %s, two %s),"
                        + " available %s%n", TRAFFIC, WORKERS, new TreeMap<>(operations), abandoned.size(), expired, nonZero(onOne), nonZero(onTwo),
                recorded.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().size())));
    }

    // ---- traffic ----

    private void runTraffic() throws Exception {
        ExecutorService workers = Executors.newFixedThreadPool(WORKERS * 2); // a raced operation uses a second thread
        // The traffic goes on past its time (a bounded while) until enough uploads were abandoned for both reapers to share:
        // on a loaded machine fewer operations fit in the time.
        Instant end = Instant.now().plus(TRAFFIC);
        Instant latest = end.plus(TRAFFIC).plusSeconds(30);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < WORKERS; i++) {
            running.add(workers.submit(() -> {
                while (Instant.now().isBefore(end) || abandoned.size() < MIN_ABANDONED && Instant.now().isBefore(latest)) {
                    try {
                        oneOperation(workers);
                    } catch (Exception e) {
                        anomalies.add("exception: " + e);
                    }
                }
                return null;
            }));
        }
        for (Future<?> worker : running) {
            worker.get(TRAFFIC.toSeconds() + 300, TimeUnit.SECONDS);
        }
        workers.shutdown();
        assertThat(workers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    }

    private void oneOperation(ExecutorService pool) throws Exception {
        int dice = ThreadLocalRandom.current().nextInt(100);
        if (dice < 22) {
            uploadAndComplete();
        } else if (dice < 29) {
            streamed();
        } else if (dice < 35) {
            multipart(false);
        } else if (dice < 55) {
            abandon();
        } else if (dice < 64) {
            replace();
        } else if (dice < 70) {
            delete();
        } else if (dice < 76) {
            deleteRacingComplete(pool);
        } else if (dice < 82) {
            deleteRacingReplace(pool);
        } else if (dice < 87) {
            deleteRacingStream(pool);
        } else if (dice < 93) {
            putAfterDelete();
        } else {
            completeAgain();
        }
    }

    /** Create, one PUT to the ticket's URL (through either replica), complete, sometimes complete again. */
    private void uploadAndComplete() throws Exception {
        count("upload+complete");
        Ticket ticket = newArtifact();
        if (ticket == null || !put(ticket, "PUT of a ticket")) {
            return;
        }
        if (expect("complete", complete(ticket.tenant(), ticket.id()), 200)) {
            if (ThreadLocalRandom.current().nextInt(4) == 0) {
                expect("repeated complete", complete(ticket.tenant(), ticket.id()), 200);
            }
            available.add(new Available(ticket.tenant(), ticket.id(), ticket.kind()[0], ticket.kind()[1]));
        }
    }

    /** A worker's streaming PUT /api/v1/artifacts/{id}/content, with or without a declared sha256. */
    private void streamed() throws Exception {
        count("streamed");
        String[] kind = kind();
        String tenant = tenant();
        byte[] data = random();
        Answer created = create(tenant, kind, data, ThreadLocalRandom.current().nextBoolean(), false, null);
        if (created.status() != 201) {
            return;
        }
        String id = created.body().path("artifact").path("id").asText();
        if (expect("streamed PUT", stream(tenant, id, data), 200)) {
            available.add(new Available(tenant, id, kind[0], kind[1]));
        }
    }

    /** Multipart: start, sign the parts, PUT each, complete (or, abandoning, stop after the first part). */
    private void multipart(boolean abandon) throws Exception {
        count(abandon ? "abandon multipart" : "multipart");
        String[] kind = kind();
        String tenant = tenant();
        // Now and then two parts (S3 takes at least 5 MiB per part but the last).
        byte[] data = ThreadLocalRandom.current().nextInt(10) == 0 ? randomBytes(6 * 1024 * 1024 + 17) : random();
        Answer created = create(tenant, kind, data, true, true, null);
        if (created.status() != 201) {
            return;
        }
        String id = created.body().path("artifact").path("id").asText();
        if (abandon) {
            abandoned.add(id);
        }
        Answer started = call(replica(), "POST", "/api/v1/artifacts/" + id + "/multipart", token(tenant), null);
        if (!expect("multipart start", started, 201)) {
            return;
        }
        String uploadId = started.body().path("uploadId").asText();
        int partSize = started.body().path("partSize").asInt();
        int partCount = started.body().path("partCount").asInt();
        List<Integer> numbers = new ArrayList<>();
        for (int n = 1; n <= (abandon ? 1 : partCount); n++) {
            numbers.add(n);
        }
        Answer signed = call(replica(), "POST", "/api/v1/artifacts/" + id + "/multipart/" + uploadId + "/parts", token(tenant),
                Map.of("partNumbers", numbers));
        if (!expect("multipart sign", signed, 200)) {
            return;
        }
        List<Map<String, Object>> parts = new ArrayList<>();
        for (JsonNode part : signed.body().path("parts")) {
            int n = part.path("partNumber").asInt();
            byte[] bytes = java.util.Arrays.copyOfRange(data, (n - 1) * partSize, Math.min(data.length, n * partSize));
            HttpResponse<byte[]> put = SignedUrlClient.put(onAnyReplica(part.path("url").asText()), headers(part), bytes);
            if (put.statusCode() != 200) {
                anomalies.add("part PUT: " + put.statusCode() + " " + new String(put.body(), StandardCharsets.UTF_8));
                return;
            }
            parts.add(Map.of("partNumber", n, "etag", put.headers().firstValue("ETag").orElseThrow()));
        }
        if (abandon) {
            return;
        }
        Answer completed = call(replica(), "POST", "/api/v1/artifacts/" + id + "/multipart/" + uploadId + "/complete", token(tenant),
                Map.of("parts", parts));
        if (expect("multipart complete", completed, 200)) {
            available.add(new Available(tenant, id, kind[0], kind[1]));
        }
    }

    /** An upload that never completes: no bytes, bytes without a complete, wrong bytes, a multipart left, a replacement left. */
    private void abandon() throws Exception {
        int how = ThreadLocalRandom.current().nextInt(5);
        if (how == 3) {
            multipart(true);
            return;
        }
        if (how == 4) {
            abandonReplacement();
            return;
        }
        count(List.of("abandon without bytes", "abandon after PUT", "abandon with wrong bytes").get(how));
        Ticket ticket = newArtifact();
        if (ticket == null) {
            return;
        }
        abandoned.add(ticket.id());
        if (how == 1) {
            put(ticket, "PUT of an abandoned ticket");
        } else if (how == 2) {
            byte[] wrong = ticket.data().clone();
            wrong[0] ^= 1;
            // A store that checks the signed sha256 (S3) refuses the PUT; the local one takes it and complete finds out.
            SignedUrlClient.put(onAnyReplica(ticket.upload().path("url").asText()), headers(ticket.upload()), wrong);
            expect("complete of wrong bytes", complete(ticket.tenant(), ticket.id()), 409, 422);
        }
    }

    /** A replacement ticket whose bytes are uploaded but never completed: the reaper drops it, the old bytes stay. */
    private void abandonReplacement() throws Exception {
        count("abandon a replacement");
        Available target = pick();
        if (target == null) {
            return;
        }
        byte[] data = random();
        Instant createdAt = Instant.now();
        Answer created = create(target.tenant(), new String[] {target.type(), target.contentType()}, data, true, false, target.id());
        if (expectOneOf("abandoned replacement ticket", created, 201, 404, 409)) {
            put(created.body().path("upload"), data, createdAt, "PUT of an abandoned replacement");
        }
    }

    /** "replace": true, one PUT, complete: the variant moves to the new bytes. */
    private void replace() throws Exception {
        count("replace");
        Available target = pick();
        if (target == null) {
            return;
        }
        byte[] data = random();
        Instant createdAt = Instant.now();
        Answer created = create(target.tenant(), new String[] {target.type(), target.contentType()}, data, true, false, target.id());
        // 404: deleted meanwhile; 409: another worker's replacement or delete got in between.
        if (expectOneOf("replacement ticket", created, 201, 404, 409) && created.status() == 201
                && put(created.body().path("upload"), data, createdAt, "PUT of a replacement")) {
            expectOneOf("replacement complete", complete(target.tenant(), target.id()), 200, 404, 409);
        }
    }

    private void delete() throws Exception {
        count("delete");
        Available target = available.poll();
        if (target != null) {
            expect("delete", call(replica(), "DELETE", "/api/v1/artifacts/" + target.id(), token(target.tenant()), null), 204);
        }
    }

    /** Uploads, then completes and deletes at once on both replicas: either order, never half of each. */
    private void deleteRacingComplete(ExecutorService pool) throws Exception {
        count("delete racing complete");
        Ticket ticket = newArtifact();
        if (ticket == null || !put(ticket, "PUT before a race")) {
            return;
        }
        race(pool, ticket.tenant(), ticket.id());
    }

    /** A replacement uploaded, then its complete and a delete of the artifact at once. */
    private void deleteRacingReplace(ExecutorService pool) throws Exception {
        count("delete racing replace");
        Available target = available.poll();
        if (target == null) {
            return;
        }
        byte[] data = random();
        Instant createdAt = Instant.now();
        Answer created = create(target.tenant(), new String[] {target.type(), target.contentType()}, data, true, false, target.id());
        if (!expectOneOf("replacement ticket before a race", created, 201, 409)) {
            return;
        }
        if (created.status() == 201 && !put(created.body().path("upload"), data, createdAt, "PUT of a replacement before a race")) {
            return;
        }
        race(pool, target.tenant(), target.id());
    }

    private void race(ExecutorService pool, String tenant, String id) throws Exception {
        CompletableFuture<Answer> completing = CompletableFuture.supplyAsync(() -> complete(tenant, id), pool);
        Answer deleted = call(replica(), "DELETE", "/api/v1/artifacts/" + id, token(tenant), null);
        Answer completed = completing.get(120, TimeUnit.SECONDS);
        expect("delete in a race", deleted, 204);
        expectOneOf("complete in a race", completed, 200, 404, 409);
        Answer after = call(replica(), "GET", "/api/v1/artifacts/" + id, token(tenant), null);
        expect("artifact after its delete", after, 404);
    }

    /** A streamed PUT and a delete of its artifact at once: the stream's version is recorded and then deleted, or discarded. */
    private void deleteRacingStream(ExecutorService pool) throws Exception {
        count("delete racing a streamed PUT");
        String[] kind = kind();
        String tenant = tenant();
        byte[] data = randomBytes(1 + ThreadLocalRandom.current().nextInt(2 * 1024 * 1024));
        Answer created = create(tenant, kind, data, true, false, null);
        if (created.status() != 201) {
            return;
        }
        String id = created.body().path("artifact").path("id").asText();
        CompletableFuture<Answer> streaming = CompletableFuture.supplyAsync(() -> stream(tenant, id, data), pool);
        Answer deleted = call(replica(), "DELETE", "/api/v1/artifacts/" + id, token(tenant), null);
        expect("delete racing a stream", deleted, 204);
        expectOneOf("streamed PUT racing a delete", streaming.get(120, TimeUnit.SECONDS), 200, 404);
    }

    /** A ticket's URL used after its artifact was deleted: the bytes land, and the tombstone sweep removes them. */
    private void putAfterDelete() throws Exception {
        count("PUT after delete");
        Ticket ticket = newArtifact();
        if (ticket != null && expect("delete before the PUT",
                call(replica(), "DELETE", "/api/v1/artifacts/" + ticket.id(), token(ticket.tenant()), null), 204)) {
            put(ticket, "PUT after delete");
        }
    }

    /** complete of an available variant: 200 and no change (409 while another worker's replacement awaits its bytes). */
    private void completeAgain() throws Exception {
        count("complete again");
        Available target = pick();
        if (target != null) {
            expectOneOf("complete again", complete(target.tenant(), target.id()), 200, 404, 409);
        }
    }

    // ---- calls ----

    private Answer create(String tenant, String[] kind, byte[] data, boolean declareSha256, boolean multipart, String replacing) {
        Map<String, Object> body = new HashMap<>(Map.of("type", kind[0], "contentType", kind[1], "size", data.length,
                "boardId", "soak"));
        if (declareSha256) {
            body.put("sha256", sha256(data));
        }
        if (multipart) {
            body.put("multipart", true);
        }
        if (replacing != null) {
            body.put("artifactId", replacing);
            body.put("replace", true);
        }
        Answer created = call(replica(), "POST", "/api/v1/artifacts", token(tenant), body);
        if (replacing == null) {
            expect("create", created, 201);
        }
        return created;
    }

    private Answer stream(String tenant, String id, byte[] data) {
        PackagedService replica = replica();
        return send(replica, HttpRequest.newBuilder(uri(replica, "/api/v1/artifacts/" + id + "/content"))
                .header("Authorization", "Bearer " + token(tenant)).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(data)));
    }

    private Answer complete(String tenant, String id) {
        return call(replica(), "POST", "/api/v1/artifacts/" + id + "/complete", token(tenant), null);
    }

    /** PUTs to a ticket's URL; a refusal is an anomaly, unless the ticket ran out on a slow machine. */
    private boolean put(JsonNode upload, byte[] data, Instant ticketAt, String what) {
        HttpResponse<byte[]> put = SignedUrlClient.put(onAnyReplica(upload.path("url").asText()), headers(upload), data);
        if (put.statusCode() == 200) {
            return true;
        }
        if (!(put.statusCode() == 403 && Instant.now().isAfter(ticketAt.plus(UPLOAD_TTL).minusSeconds(1)))) {
            anomalies.add(what + ": " + put.statusCode() + " " + new String(put.body(), StandardCharsets.UTF_8));
        }
        return false;
    }

    private Answer call(PackagedService replica, String method, String path, String token, Object body) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri(replica, path)).header("Authorization", "Bearer " + token);
            if (body == null) {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                request.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            }
            return send(replica, request);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Answer send(PackagedService replica, HttpRequest.Builder request) {
        try {
            HttpResponse<byte[]> answer = HTTP.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
            String text = new String(answer.body(), StandardCharsets.UTF_8);
            JsonNode body = text.isEmpty() ? JSON.nullNode() : JSON.readTree(text);
            if (answer.statusCode() >= 500) {
                anomalies.add(answer.request().method() + " " + answer.request().uri().getPath() + " on " + replica.apiPort() + ": "
                        + answer.statusCode() + " " + text);
            }
            return new Answer(answer.statusCode(), body, text);
        } catch (IOException e) {
            anomalies.add("no answer from " + replica.apiPort() + ": " + e);
            return new Answer(0, JSON.nullNode(), "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private boolean expect(String what, Answer answer, int... allowed) {
        return expectOneOf(what, answer, allowed) && answer.status() == allowed[0];
    }

    /** Whether the answer's status is one of {@code allowed}; records an anomaly otherwise. */
    private boolean expectOneOf(String what, Answer answer, int... allowed) {
        for (int status : allowed) {
            if (answer.status() == status) {
                return true;
            }
        }
        if (answer.status() < 500 && answer.status() != 0) { // those are recorded already
            anomalies.add(what + ": " + answer.status() + " " + answer.text());
        }
        return false;
    }

    private JsonNode reconcile(String provider) {
        String admin = Tokens.of("soak-admin", Roles.ADMIN);
        Answer started = call(replica(), "POST", "/api/v1/admin/reconcile?provider=" + provider + "&apply=false", admin, null);
        assertThat(started.status()).as(started.text()).isEqualTo(202);
        String id = started.body().path("id").asText();
        JsonNode[] job = new JsonNode[1];
        one.await("reconciliation of " + provider, Duration.ofSeconds(60), () -> {
            job[0] = call(replica(), "GET", "/api/v1/admin/reconcile/" + id, admin, null).body();
            return !"RUNNING".equals(job[0].path("status").asText());
        });
        return job[0];
    }

    /** {type,provider} → artifact_store_expired_total as the replica exports it. */
    private static Map<String, Double> expiredCounters(PackagedService replica) throws Exception {
        HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + replica.managementPort()
                + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        java.util.regex.Pattern line = java.util.regex.Pattern.compile(
                "artifact_store_expired_total\\{(?=.*provider=\"([^\"]+)\")(?=.*type=\"([^\"]+)\")[^}]*} (\\S+)");
        Map<String, Double> counted = new TreeMap<>();
        metrics.body().lines().map(line::matcher).filter(java.util.regex.Matcher::matches)
                .forEach(m -> counted.merge(m.group(2) + "," + m.group(1), Double.parseDouble(m.group(3)), Double::sum));
        assertThat(counted).as("artifact_store_expired_total on " + replica.managementPort()).isNotEmpty();
        return counted;
    }

    // ---- helpers ----

    private static Map<String, Double> nonZero(Map<String, Double> counted) {
        Map<String, Double> some = new TreeMap<>(counted);
        some.values().removeIf(count -> count == 0);
        return some;
    }

    /** Rows of a one-column query, as text. */
    private static List<String> query(String sql) {
        try (Connection db = DriverManager.getConnection(settings.get("quarkus.datasource.jdbc.url"),
                settings.get("quarkus.datasource.username"), settings.get("quarkus.datasource.password"));
             ResultSet rows = db.createStatement().executeQuery(sql)) {
            List<String> values = new ArrayList<>();
            while (rows.next()) {
                values.add(rows.getString(1));
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Regular files under {@code dir}, as paths relative to it with '/'. */
    private static List<String> files(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).map(file -> dir.relativize(file).toString().replace('\\', '/')).toList();
        }
    }

    private Available pick() {
        List<Available> snapshot = new ArrayList<>(available);
        return snapshot.isEmpty() ? null : snapshot.get(ThreadLocalRandom.current().nextInt(snapshot.size()));
    }

    private String token(String tenant) {
        // Tokens live 5 minutes; a long soak mints fresh ones.
        return tokens.compute(tenant, (name, held) -> held != null && held.mintedAt().isAfter(Instant.now().minusSeconds(120))
                ? held : new Token(Tokens.readerWriter(name), Instant.now())).value();
    }

    private void count(String operation) {
        operations.computeIfAbsent(operation, name -> new AtomicInteger()).incrementAndGet();
    }

    private static PackagedService replica() {
        return ThreadLocalRandom.current().nextBoolean() ? one : two;
    }

    private static URI uri(PackagedService replica, String path) {
        return URI.create("http://localhost:" + replica.apiPort() + path);
    }

    /** A local provider's URL sent to either replica, as a load balancer would; S3's as it is. */
    private static String onAnyReplica(String url) {
        return url.replaceFirst("^http://localhost:\\d+/", "http://localhost:" + replica().apiPort() + "/");
    }

    private static Map<String, String> headers(JsonNode signed) {
        Map<String, String> headers = new HashMap<>();
        signed.path("headers").fields().forEachRemaining(field -> headers.put(field.getKey(), field.getValue().asText()));
        return headers;
    }

    private static String tenant() {
        return TENANTS.get(ThreadLocalRandom.current().nextInt(TENANTS.size()));
    }

    /** A ticket handed out, with when it was asked for (its PUT must land within the ticket's lifetime). */
    private record Ticket(String tenant, String[] kind, String id, byte[] data, Instant createdAt, JsonNode upload) {
    }

    /** A new artifact of a random kind and tenant, its random bytes' sha256 declared; null when the create was refused. */
    private Ticket newArtifact() {
        String[] kind = kind();
        String tenant = tenant();
        byte[] data = random();
        Instant createdAt = Instant.now();
        Answer created = create(tenant, kind, data, true, false, null);
        return created.status() != 201 ? null : new Ticket(tenant, kind, created.body().path("artifact").path("id").asText(),
                data, createdAt, created.body().path("upload"));
    }

    private boolean put(Ticket ticket, String what) {
        return put(ticket.upload(), ticket.data(), ticket.createdAt(), what);
    }

    private static String[] kind() {
        return KINDS.get(ThreadLocalRandom.current().nextInt(KINDS.size()));
    }

    private static byte[] random() {
        return randomBytes(1 + ThreadLocalRandom.current().nextInt(64 * 1024));
    }
}
