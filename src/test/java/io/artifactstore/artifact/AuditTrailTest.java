package io.artifactstore.artifact;

import io.artifactstore.lifecycle.ExpiryReaper;
import io.artifactstore.audit.AuditTrail;
import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.StorageKey;
import io.artifactstore.core.Ulid;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.security.Caller;
import io.artifactstore.security.Roles;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.artifactstore.testing.MovableClock;
import io.artifactstore.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static io.artifactstore.artifact.ApiClient.as;
import static io.artifactstore.artifact.ApiClient.create;
import static io.artifactstore.artifact.ApiClient.imageRequest;
import static io.artifactstore.artifact.ApiClient.ticket;
import static io.artifactstore.provider.StorageProviderContract.randomBytes;
import static io.artifactstore.provider.StorageProviderContract.sha256;
import static io.artifactstore.testing.SignedUrlClient.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

/**
 * The audit trail (README "API reference"): every change is recorded with its tenant, subject, action,
 * artifact, outcome and time, in the change's own transaction; {@code GET /api/v1/audit} pages
 * through the caller's tenant's events, admins only. Race tests in {@link LifecycleRacesTest}
 * count events against the changes that really happened.
 */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
class AuditTrailTest {

    private static final String PROBLEM = "application/problem+json";

    @Inject
    ExpiryReaper reaper;

    @Inject
    AuditTrail trail;

    @Inject
    ArtifactStoreConfig config;

    @Inject
    ProviderRegistry providers;

    @Inject
    MovableClock clock;

    @AfterEach
    void realTime() {
        clock.reset();
    }

    @Test
    void everyChangeOfALifecycleIsRecordedNewestFirstWithWhoMadeIt() {
        String tenant = tenant();
        String worker = Tokens.withSubject(tenant, "worker-7", Roles.READ, Roles.WRITE);
        byte[] data = randomBytes(1000);
        JsonPath created = create(worker, imageRequest("audit", data));
        String id = created.getString("artifact.id");
        assertThat(put(ticket(created), data).statusCode()).isEqualTo(200);
        as(worker).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200);
        as(worker).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200); // no change, no event

        byte[] next = randomBytes(1200);
        Map<String, Object> replace = imageRequest("audit", next);
        replace.put("artifactId", id);
        replace.put("replace", true);
        JsonPath replacing = create(worker, replace);
        assertThat(put(ticket(replacing), next).statusCode()).isEqualTo(200);
        as(worker).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(200);
        as(worker).delete("/api/v1/artifacts/{id}", id).then().statusCode(204);

        List<Map<String, Object>> events = page(admin(tenant), Map.of("artifactId", id)).getList("items");
        assertThat(events).extracting(e -> e.get("action")).containsExactly("delete", "complete", "replace", "complete", "create");
        for (Map<String, Object> event : events) {
            assertThat(event).containsEntry("tenant", tenant).containsEntry("subject", "worker-7")
                    .containsEntry("artifactId", id).containsEntry("outcome", "succeeded");
            assertThat(Instant.parse((String) event.get("at"))).isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1));
        }
        assertThat(events).extracting(e -> e.get("variant")).containsExactly(null, "original", "original", "original", "original");
        assertThat((String) events.get(1).get("detail")).contains("replacement");
        assertThat(events).extracting(e -> (String) e.get("id")).isSortedAccordingTo((a, b) -> b.compareTo(a));
    }

    @Test
    void aRejectedUploadIsRecordedAsRejectedAndRefusedRequestsLeaveNoTrace() {
        String tenant = tenant();
        String worker = Tokens.readerWriter(tenant);
        byte[] data = randomBytes(1000);
        Map<String, Object> request = imageRequest("audit", data);
        request.put("sha256", sha256(data));
        JsonPath created = create(worker, request);
        String id = created.getString("artifact.id");
        StorageKey key = ApiClient.storedKey(created);
        byte[] forged = randomBytes(1000);
        providers.get("local").write(key, "image/png", forged.length, Multi.createFrom().item(ByteBuffer.wrap(forged)))
                .await().indefinitely();
        as(worker).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(422);

        // Refused before any change: nothing to record.
        as(worker).post("/api/v1/artifacts/{id}/complete", id).then().statusCode(409); // nothing uploaded (any more)
        as(worker).delete("/api/v1/artifacts/{id}", "01JNOSUCHARTIFACT").then().statusCode(404);
        as(worker).body(Map.of("type", "image", "contentType", "text/html", "size", 10)).post("/api/v1/artifacts")
                .then().statusCode(415);
        as(Tokens.of(tenant, Roles.READ)).delete("/api/v1/artifacts/{id}", id).then().statusCode(403);

        List<Map<String, Object>> events = page(admin(tenant), Map.of()).getList("items");
        assertThat(events).extracting(e -> e.get("action") + "/" + e.get("outcome"))
                .containsExactly("complete/rejected", "create/succeeded");
        assertThat((String) events.get(0).get("detail")).contains("sha256");
    }

    @Test
    void filtersAndCursorsPageThroughExactlyTheTenantsEvents() {
        String tenant = tenant();
        String worker = Tokens.readerWriter(tenant);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(create(worker, imageRequest("audit", new byte[10])).getString("artifact.id"));
        }
        as(worker).delete("/api/v1/artifacts/{id}", ids.get(0)).then().statusCode(204);
        create(Tokens.readerWriter(tenant()), imageRequest("audit", new byte[10])); // another tenant's

        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Map<String, Object> query = new HashMap<>(Map.of("limit", "2"));
            if (cursor != null) {
                query.put("cursor", cursor);
            }
            JsonPath page = page(admin(tenant), query);
            List<String> items = page.getList("items.id");
            assertThat(items.size()).isBetween(1, 2);
            seen.addAll(items);
            cursor = page.getString("nextCursor");
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(3);
        assertThat(seen).hasSize(6).doesNotHaveDuplicates().isSortedAccordingTo((a, b) -> b.compareTo(a));

        assertThat(page(admin(tenant), Map.of("action", "create")).getList("items.artifactId"))
                .containsExactlyInAnyOrderElementsOf(ids);
        assertThat(page(admin(tenant), Map.of("action", "delete")).getList("items.artifactId")).containsExactly(ids.get(0));
        assertThat(page(admin(tenant), Map.of("artifactId", ids.get(0))).getList("items.action")).containsExactly("delete", "create");
        assertThat(page(admin(tenant), Map.of("artifactId", ids.get(1), "action", "delete")).getList("items")).isEmpty();
        assertThat(page(admin(tenant()), Map.of("artifactId", ids.get(0))).getList("items"))
                .as("another tenant's admin sees nothing of it").isEmpty();
    }

    @Test
    void onlyAnAdminReadsTheTrailAndBadQueriesAreProblems() {
        String tenant = tenant();
        as(Tokens.readerWriter(tenant)).get("/api/v1/audit").then().statusCode(403).contentType(PROBLEM);
        given().get("/api/v1/audit").then().statusCode(401).contentType(PROBLEM);
        for (Map<String, String> bad : List.of(Map.of("action", "drop"), Map.of("action", "CREATE"), Map.of("limit", "0"),
                Map.of("limit", "1001"), Map.of("limit", "1e3"), Map.of("cursor", "%%%"), Map.of("cursor", "Li4v"),
                Map.of("artifactId", "../x"), Map.of("artifactId", "a\u0000b"))) {
            as(admin(tenant)).queryParams(bad).get("/api/v1/audit").then().statusCode(400).contentType(PROBLEM);
        }
        as(admin(tenant)).queryParam("action", "drop").get("/api/v1/audit").then()
                .body("errors[0].field", org.hamcrest.Matchers.equalTo("action"))
                .body("errors[0].message", containsString("reconcile.delete-orphan"));
    }

    @Test
    void aHostileSubjectIsStoredHarmlessAndTheChangeGoesThrough() {
        String tenant = tenant();
        String subject = "evil\u0000\n\u001b[31m\u2028\u202e" + "x".repeat(5000);
        JsonPath created = create(Tokens.withSubject(tenant, subject, Roles.WRITE), imageRequest("audit", new byte[10]));

        Map<String, Object> event = page(admin(tenant), Map.of()).getMap("items[0]");
        assertThat(event).containsEntry("artifactId", created.getString("artifact.id"));
        String stored = (String) event.get("subject");
        assertThat(stored).startsWith("evil???[31m??xxx").hasSize(Caller.MAX_SUBJECT);
        assertThat(stored.chars()).noneMatch(Character::isISOControl);

        create(Tokens.withSubject(tenant, "system:expiry-reaper", Roles.WRITE), imageRequest("audit", new byte[10]));
        assertThat(page(admin(tenant), Map.of()).getString("items[0].subject"))
                .as("a token cannot pose as the service").isEqualTo("token:system:expiry-reaper");
        String cyrillic = "\u0455\u0443\u0455\u0442\u0435\u043c:expiry-reaper";
        create(Tokens.withSubject(tenant, cyrillic, Roles.WRITE), imageRequest("audit", new byte[10]));
        assertThat(page(admin(tenant), Map.of()).getString("items[0].subject"))
                .as("nor in look-alike letters").isEqualTo("token:" + cyrillic);
    }

    @Test
    void theDocumentedActionsAreExactlyTheRecordedOnes() {
        JsonPath api = io.restassured.RestAssured.get("/q/openapi?format=json").then().statusCode(200).extract().jsonPath();
        List<String> actions = java.util.Arrays.stream(io.artifactstore.audit.AuditAction.values())
                .map(io.artifactstore.audit.AuditAction::wireName).toList();
        assertThat(api.<String>getList("components.schemas.AuditEvent.properties.action.enum"))
                .containsExactlyElementsOf(actions);
        assertThat(api.<String>getList("paths.'/api/v1/audit'.get.parameters.find { it.name == 'action' }.schema.enum"))
                .containsExactlyElementsOf(actions);
    }

    @Test
    void theReaperAndMultipartUploadsAreRecordedToo() {
        String tenant = tenant();
        String worker = Tokens.withSubject(tenant, "worker-9", Roles.READ, Roles.WRITE);
        String abandoned = create(worker, imageRequest("audit", new byte[100])).getString("artifact.id");

        Map<String, Object> big = imageRequest("audit", new byte[6 << 20]);
        big.put("multipart", true);
        String parted = create(worker, big).getString("artifact.id");
        String uploadId = as(worker).post("/api/v1/artifacts/{id}/multipart", parted).then().statusCode(201)
                .extract().path("uploadId");
        as(worker).delete("/api/v1/artifacts/{id}/multipart/{u}", parted, uploadId).then().statusCode(204);

        clock.advance(config.signing().multipartTtl().plus(config.lifecycle().pendingGrace()).plusMinutes(1));
        reaper.reapDue(clock.instant()).await().atMost(Duration.ofSeconds(30));

        List<Map<String, Object>> events = page(admin(tenant), Map.of("artifactId", parted)).getList("items");
        assertThat(events).extracting(e -> e.get("action") + " by " + e.get("subject")).containsExactly(
                "expire by system:expiry-reaper", "multipart.abort by worker-9", "multipart.start by worker-9", "create by worker-9");
        assertThat((String) events.get(1).get("detail")).contains(uploadId);
        assertThat(page(admin(tenant), Map.of("artifactId", abandoned, "action", "expire")).<String>getList("items.variant"))
                .containsExactly("original");
    }

    @Test
    void eventsOlderThanTheRetentionArePurged() {
        String tenant = tenant();
        String old = create(Tokens.readerWriter(tenant), imageRequest("audit", new byte[10])).getString("artifact.id");
        clock.advance(config.audit().retention().plusDays(1));
        String fresh = create(Tokens.readerWriter(tenant), imageRequest("audit", new byte[10])).getString("artifact.id");

        trail.purgeBefore(clock.instant().minus(config.audit().retention())).await().atMost(Duration.ofSeconds(30));
        // Filtered by action: the housekeeping tick, seeing the moved clock, may expire the fresh ticket meanwhile.
        assertThat(page(admin(tenant), Map.of("action", "create")).getList("items.artifactId")).containsExactly(fresh).doesNotContain(old);
    }

    private static JsonPath page(String token, Map<String, ?> query) {
        return as(token).queryParams(query).get("/api/v1/audit").then().statusCode(200).extract().jsonPath();
    }

    private static io.restassured.specification.RequestSpecification given() {
        return io.restassured.RestAssured.given();
    }

    private static String tenant() {
        return "audit-" + Ulid.next().toLowerCase(Locale.ROOT);
    }

    private static String admin(String tenant) {
        return Tokens.of(tenant, Roles.READ, Roles.WRITE, Roles.ADMIN);
    }
}
