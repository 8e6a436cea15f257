package io.artifactstore.reconcile;

import io.artifactstore.audit.AuditAction;
import io.artifactstore.audit.AuditEvent;
import io.artifactstore.audit.AuditTrail;
import io.artifactstore.security.Caller;
import io.artifactstore.core.ArtifactType;
import io.artifactstore.core.StorageKey;
import io.artifactstore.core.Ulid;
import io.artifactstore.provider.ObjectListing;
import io.artifactstore.provider.ObjectListing.ListedObject;
import io.artifactstore.provider.SignedRequest;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.resilience.ResilientProvider;
import io.artifactstore.security.Roles;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.MovableClock;
import io.artifactstore.testing.S3TestResource;
import io.artifactstore.testing.SignedUrlClient;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.smallrye.mutiny.Multi;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Orphan reconciliation against both providers, with real objects planted in the store and records
 * made through the API: what it reports, what apply deletes (only past the grace period, by the
 * moved clock) and marks, paging over more objects than a page, and the job's life.
 */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class ReconcileTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    ProviderRegistry providers;

    @Inject
    AuditTrail audit;

    @Inject
    ReconcileStatements statements;

    @Inject
    MovableClock clock;

    @Inject
    Pool database;

    @AfterEach
    void putTheClockBack() {
        clock.reset();
    }

    /** Images stay on local; videos go to S3 (S3TestResource's routing rule). */
    private static String typeOn(String provider) {
        return provider.equals("local") ? "image" : "video";
    }

    private static String contentTypeOn(String provider) {
        return provider.equals("local") ? "image/png" : "video/mp4";
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", S3TestResource.PROVIDER})
    void aCleanStoreReportsNothingEvenWithVariantNamesThatSortAcrossFolders(String provider) {
        String tenant = tenant();
        String id = uploaded(tenant, provider, null, "original");
        // "original-b/..." sorts before "original/..." byte by byte: the walk must use the stores' order.
        uploaded(tenant, provider, id, "original-b");
        uploaded(tenant, provider, id, "original.c");
        created(tenant, provider, null, "original"); // pending, never uploaded: not missing

        JsonPath job = run(tenant, provider, false);
        assertThat(job.getString("status")).isEqualTo("DONE");
        assertThat(job.getLong("scannedObjects")).isEqualTo(3);
        assertThat(job.getLong("scannedRecords")).isEqualTo(4);
        assertThat(job.getLong("orphanObjects")).isZero();
        assertThat(job.getLong("missingObjects")).isZero();
        assertThat(job.getLong("deletedObjects")).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", S3TestResource.PROVIDER})
    void findsExactlyTheOrphanAndTheMissingRecordAndApplyRepairsOnlyPastTheGrace(String provider) {
        String tenant = tenant();
        ResilientProvider store = providers.get(provider);
        uploaded(tenant, provider, null, "original");
        String gone = uploaded(tenant, provider, null, "original");
        await(store.delete(storedKey(tenant, gone, "original")));
        JsonPath pending = created(tenant, provider, null, "original");
        // Bytes of a pending upload, not completed yet: its record accounts for them.
        assertThat(SignedUrlClient.put(ticket(pending), bytes(provider)).statusCode()).isEqualTo(200);
        StorageKey orphan = plant(store, tenant);

        JsonPath report = run(tenant, provider, false);
        assertThat(counts(report)).containsExactly(3L, 1L, 1L, 0L, 0L);
        assertThat(await(store.stat(orphan))).as("a report changes nothing").isPresent();
        assertThat(variantStatus(tenant, gone)).isEqualTo("AVAILABLE");

        JsonPath fresh = run(tenant, provider, true);
        assertThat(counts(fresh)).as("the orphan is younger than orphan-grace").containsExactly(3L, 1L, 1L, 0L, 1L);
        assertThat(await(store.stat(orphan))).isPresent();
        assertThat(variantStatus(tenant, gone)).isEqualTo("MISSING");

        clock.advance(Duration.ofHours(1).plusMinutes(5));
        JsonPath old = run(tenant, provider, true);
        assertThat(counts(old)).as("MISSING records are not reported again").containsExactly(3L, 1L, 0L, 1L, 0L);
        assertThat(await(store.stat(orphan))).isEmpty();

        assertThat(counts(run(tenant, provider, false))).containsExactly(2L, 0L, 0L, 0L, 0L);

        // The trail: who started each job, and each change a job made, in the tenant the record or key names.
        JsonPath trail = given().auth().oauth2(admin(tenant)).get("/api/v1/audit").then().statusCode(200).extract().jsonPath();
        assertThat(trail.getList("items.action")).filteredOn(a -> ((String) a).startsWith("reconcile."))
                .containsExactly("reconcile.start", "reconcile.delete-orphan", "reconcile.start", "reconcile.missing",
                        "reconcile.start", "reconcile.start");
        assertThat(trail.getList("items.subject")).filteredOn(s -> !"user-of-".regionMatches(0, (String) s, 0, 8))
                .containsOnly("system:reconciler");
        JsonPath missing = given().auth().oauth2(admin(tenant)).queryParam("action", "reconcile.missing").get("/api/v1/audit")
                .then().statusCode(200).extract().jsonPath();
        assertThat(missing.getString("items[0].artifactId")).isEqualTo(gone);
        assertThat(missing.getString("items[0].variant")).isEqualTo("original");
        JsonPath deleted = given().auth().oauth2(admin(tenant)).queryParam("action", "reconcile.delete-orphan").get("/api/v1/audit")
                .then().statusCode(200).extract().jsonPath();
        assertThat(deleted.getString("items[0].artifactId")).isEqualTo(orphan.artifactId());
        assertThat(deleted.getString("items[0].detail")).contains(orphan.toString());

        clock.reset();
        uploaded(tenant, provider, gone, "original");
        assertThat(variantStatus(tenant, gone)).as("a new upload repairs a MISSING variant").isEqualTo("AVAILABLE");
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", S3TestResource.PROVIDER})
    void theWalkPagesThroughMoreObjectsThanAPage(String provider) {
        String tenant = tenant();
        ResilientProvider store = providers.get(provider);
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            kept.add(uploaded(tenant, provider, null, "original"));
        }
        String gone = uploaded(tenant, provider, null, "original");
        await(store.delete(storedKey(tenant, gone, "original")));
        List<StorageKey> orphans = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            orphans.add(plant(store, tenant));
        }
        ObjectListing listing = store.ability(ObjectListing.class).orElseThrow();
        List<String> paged = new ArrayList<>();
        for (List<ListedObject> page = await(listing.list(tenant + "/", "", 2)); !page.isEmpty();
             page = await(listing.list(tenant + "/", page.get(page.size() - 1).key(), 2))) {
            assertThat(page.size()).isLessThanOrEqualTo(2);
            paged.addAll(page.stream().map(ListedObject::key).toList());
        }
        assertThat(paged).hasSize(8).isSorted().doesNotHaveDuplicates();

        clock.advance(Duration.ofHours(2));
        ReconcileJob job = new ReconcileJob(Ulid.next(), tenant, provider, tenant + "/", true, ReconcileJob.RUNNING,
                ReconcileJob.Counters.NONE, null, clock.instant(), null);
        await(statements.insert(job, AuditEvent.succeeded(new Caller(tenant, "tester"), AuditAction.RECONCILE_START, null, null, clock.instant())));
        ReconcileJob.Counters counters = await(new ReconcileRun(job, store, listing, statements, audit, clock, Duration.ofHours(1), 2).run());
        assertThat(counters).isEqualTo(new ReconcileJob.Counters(8, 4, 5, 1, 5, 1));
        for (StorageKey orphan : orphans) {
            assertThat(await(store.stat(orphan))).isEmpty();
        }
        for (String id : kept) {
            assertThat(await(store.stat(storedKey(tenant, id, "original")))).isPresent();
        }
    }

    @Test
    void theJobGoesFromRunningToDoneAndAnyTenantSeesOnlyItsOwn() {
        String tenant = tenant();
        JsonPath started = given().auth().oauth2(admin(tenant)).queryParam("provider", "local").queryParam("prefix", tenant + "/")
                .post("/api/v1/admin/reconcile").then().statusCode(202).extract().jsonPath();
        assertThat(started.getString("status")).isEqualTo("RUNNING");
        assertThat(started.getString("provider")).isEqualTo("local");
        assertThat(started.getBoolean("apply")).isFalse();
        JsonPath done = finished(started.getString("id"), tenant);
        assertThat(done.getString("status")).isEqualTo("DONE");
        assertThat(done.getString("finishedAt")).isNotNull();
        given().auth().oauth2(admin(tenant())).get("/api/v1/admin/reconcile/{id}", started.getString("id"))
                .then().statusCode(404).contentType("application/problem+json");
        given().auth().oauth2(admin(tenant)).get("/api/v1/admin/reconcile/{id}", "01JNOSUCHJOB")
                .then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void aRunningJobWhoseReplicaStoppedIsReportedFailed() {
        String tenant = tenant();
        String id = Ulid.next();
        Instant longAgo = clock.instant().minus(Duration.ofHours(1));
        database.preparedQuery("""
                INSERT INTO reconcile_jobs (id, tenant_id, provider, prefix, apply, status, started_at, heartbeat_at)
                VALUES ($1, $2, 'local', '', false, 'RUNNING', $3, $3)""")
                .execute(Tuple.of(id, tenant, longAgo.atOffset(ZoneOffset.UTC))).await().atMost(WAIT);
        JsonPath job = given().auth().oauth2(admin(tenant)).get("/api/v1/admin/reconcile/{id}", id)
                .then().statusCode(200).extract().jsonPath();
        assertThat(job.getString("status")).isEqualTo("FAILED");
        assertThat(job.getString("error")).contains("stopped making progress");
    }

    @Test
    void onlyAdminsWithAKnownProviderAndAKeyPrefixMayStartOne() {
        String tenant = tenant();
        given().auth().oauth2(Tokens.readerWriter(tenant)).queryParam("provider", "local").post("/api/v1/admin/reconcile")
                .then().statusCode(403).contentType("application/problem+json");
        given().auth().oauth2(Tokens.readerWriter(tenant)).get("/api/v1/admin/reconcile/{id}", Ulid.next())
                .then().statusCode(403).contentType("application/problem+json");
        given().auth().oauth2(admin(tenant)).queryParam("provider", "nowhere").post("/api/v1/admin/reconcile")
                .then().statusCode(400).contentType("application/problem+json");
        given().auth().oauth2(admin(tenant)).post("/api/v1/admin/reconcile")
                .then().statusCode(400).contentType("application/problem+json");
        for (String prefix : List.of("../etc", "a/../b", "a\nb", "/abs", "a b")) {
            given().auth().oauth2(admin(tenant)).queryParam("provider", "local").queryParam("prefix", prefix)
                    .post("/api/v1/admin/reconcile").then().statusCode(400).contentType("application/problem+json");
        }
        given().auth().oauth2(admin(tenant)).queryParam("provider", "local").queryParam("apply", "yes")
                .post("/api/v1/admin/reconcile").then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void anAdminReconcilesOnlyItsOwnTenantUnlessItOperatesTheService() {
        String tenant = tenant();
        String neighbour = tenant();
        for (String prefix : List.of(neighbour + "/", neighbour, tenant, tenant + "x/")) {
            given().auth().oauth2(admin(tenant)).queryParam("provider", "local").queryParam("prefix", prefix)
                    .post("/api/v1/admin/reconcile").then().statusCode(403).contentType("application/problem+json");
        }
        JsonPath own = given().auth().oauth2(admin(tenant)).queryParam("provider", "local").post("/api/v1/admin/reconcile")
                .then().statusCode(202).extract().jsonPath();
        assertThat(own.getString("prefix")).as("no prefix: the tenant's own keys").isEqualTo(tenant + "/");
        assertThat(finished(own.getString("id"), tenant).getString("status")).isEqualTo("DONE");

        JsonPath operated = given().auth().oauth2(admin("operators")).queryParam("provider", "local")
                .queryParam("prefix", neighbour + "/").post("/api/v1/admin/reconcile").then().statusCode(202).extract().jsonPath();
        assertThat(operated.getString("prefix")).isEqualTo(neighbour + "/");
        assertThat(finished(operated.getString("id"), "operators").getString("status")).isEqualTo("DONE");
    }

    // ----------------------------------------------------------------------------------------

    private static String tenant() {
        return "rec" + Ulid.next().toLowerCase(Locale.ROOT);
    }

    private static String admin(String tenant) {
        return Tokens.of(tenant, Roles.ADMIN);
    }

    private static byte[] bytes(String provider) {
        return ("bytes on " + provider + " " + Ulid.next()).getBytes();
    }

    /** Reconciles the tenant's keys on the provider and waits for the job's end. */
    private static JsonPath run(String tenant, String provider, boolean apply) {
        String id = given().auth().oauth2(admin(tenant)).queryParam("provider", provider).queryParam("prefix", tenant + "/")
                .queryParam("apply", apply).post("/api/v1/admin/reconcile")
                .then().statusCode(202).extract().jsonPath().getString("id");
        return finished(id, tenant);
    }

    /** Polls the job until it is no longer RUNNING (the job runs in the background). */
    private static JsonPath finished(String id, String tenant) {
        Instant deadline = Instant.now().plus(WAIT);
        while (true) {
            JsonPath job = given().auth().oauth2(admin(tenant)).get("/api/v1/admin/reconcile/{id}", id)
                    .then().statusCode(200).extract().jsonPath();
            if (!job.getString("status").equals("RUNNING")) {
                return job;
            }
            assertThat(Instant.now()).as("job %s finishes", id).isBefore(deadline);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** scannedObjects, orphanObjects, missingObjects, deletedObjects, markedMissing. */
    private static List<Long> counts(JsonPath job) {
        assertThat(job.getString("status")).isEqualTo("DONE");
        return List.of(job.getLong("scannedObjects"), job.getLong("orphanObjects"), job.getLong("missingObjects"),
                job.getLong("deletedObjects"), job.getLong("markedMissing"));
    }

    private JsonPath created(String tenant, String provider, String artifactId, String variant) {
        byte[] data = bytes(provider);
        Map<String, Object> body = new HashMap<>(Map.of("type", typeOn(provider), "contentType", contentTypeOn(provider),
                "size", data.length, "variant", variant));
        if (artifactId != null) {
            body.put("artifactId", artifactId);
        }
        JsonPath created = given().auth().oauth2(Tokens.readerWriter(tenant)).contentType(ContentType.JSON).body(body)
                .post("/api/v1/artifacts").then().statusCode(201).extract().jsonPath();
        return created;
    }

    /** An artifact (or a new variant of one) uploaded through its signed URL and completed; answers the artifact id. */
    private String uploaded(String tenant, String provider, String artifactId, String variant) {
        byte[] data = bytes(provider);
        Map<String, Object> body = new HashMap<>(Map.of("type", typeOn(provider), "contentType", contentTypeOn(provider),
                "size", data.length, "variant", variant));
        if (artifactId != null) {
            body.put("artifactId", artifactId);
        }
        JsonPath created = given().auth().oauth2(Tokens.readerWriter(tenant)).contentType(ContentType.JSON).body(body)
                .post("/api/v1/artifacts").then().statusCode(201).extract().jsonPath();
        assertThat(SignedUrlClient.put(ticket(created), data).statusCode()).isEqualTo(200);
        String id = created.getString("artifact.id");
        JsonPath completed = given().auth().oauth2(Tokens.readerWriter(tenant)).contentType(ContentType.JSON)
                .queryParam("variant", variant).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200).extract().jsonPath();
        assertThat(completed.getString("variants.find { it.name == '" + variant + "' }.provider")).isEqualTo(provider);
        return id;
    }

    private static SignedRequest ticket(JsonPath created) {
        return new SignedRequest(created.getString("upload.method"), created.getString("upload.url"),
                created.getMap("upload.headers", String.class, String.class), null);
    }

    /** Where a variant's bytes are stored, from its record. */
    private StorageKey storedKey(String tenant, String artifactId, String variant) {
        return StorageKey.parse(database.preparedQuery(
                        "SELECT storage_key FROM artifact_variants WHERE tenant_id = $1 AND artifact_id = $2 AND name = $3")
                .execute(Tuple.of(tenant, artifactId, variant)).await().atMost(WAIT).iterator().next().getString("storage_key"));
    }

    private String variantStatus(String tenant, String artifactId) {
        return given().auth().oauth2(Tokens.readerWriter(tenant)).get("/api/v1/artifacts/{id}", artifactId)
                .then().statusCode(200).extract().jsonPath().getString("variants[0].status");
    }

    /** Bytes written straight into the store, with no record. */
    private StorageKey plant(ResilientProvider store, String tenant) {
        StorageKey key = new StorageKey(tenant, ArtifactType.IMAGE, null, Ulid.next(), "original", Ulid.next());
        byte[] data = "planted".getBytes();
        await(store.write(key, "image/png", data.length, Multi.createFrom().item(ByteBuffer.wrap(data))));
        return key;
    }

    private static <T> T await(io.smallrye.mutiny.Uni<T> uni) {
        return uni.await().atMost(WAIT);
    }
}
