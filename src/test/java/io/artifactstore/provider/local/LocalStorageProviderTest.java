package io.artifactstore.provider.local;

import io.artifactstore.core.StorageKey;
import io.artifactstore.core.Ulid;

import io.artifactstore.provider.IncomingSweep;
import io.artifactstore.provider.MultipartUploads;
import io.artifactstore.provider.ObjectListing;
import io.artifactstore.provider.StorageProvider;
import io.artifactstore.provider.StorageProviderContract;
import io.artifactstore.resilience.ProviderRegistry;
import io.artifactstore.testing.ArtifactStoreTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The provider contract on the local file system, plus what only a file system can get wrong. */
@QuarkusTest
@QuarkusTestResource(ArtifactStoreTestResource.class)
class LocalStorageProviderTest extends StorageProviderContract {

    @Inject
    ProviderRegistry providers;

    @ConfigProperty(name = "artifact-store.public-url")
    String publicUrl;

    @ConfigProperty(name = "artifact-store.providers.local.root")
    String root;

    @Override
    protected StorageProvider provider() {
        return providers.get("local");
    }

    @Test
    void pathTraversalThroughTheStorageRouteReachesNoFile() throws IOException {
        for (String path : new String[]{
                "/storage/local/../../../../etc/passwd",
                "/storage/local/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                "/storage/local/contract/intermediate/_/..%2F..%2F..%2Fetc/passwd",
                "/storage/local/contract/intermediate/_/x/..",
                "/storage/local/..%2f..%2f..%2fetc%2fpasswd"}) {
            String answer = rawGet(path);
            assertThat(answer).as(path).doesNotContain("root:").doesNotStartWith("HTTP/1.1 200");
            assertThat(answer).as(path).containsAnyOf("HTTP/1.1 400", "HTTP/1.1 403", "HTTP/1.1 404");
        }
    }

    @Test
    void deleteLeavesNoEmptyFoldersBehindButKeepsTheirNeighbours() {
        StorageKey key = newKey("original");
        StorageKey neighbour = key.withVersion(Ulid.next());
        LocalStorageProvider local = (LocalStorageProvider) providers.get("local").unwrap();
        for (StorageKey k : new StorageKey[]{key, neighbour}) {
            local.write(k, "application/octet-stream", 3, Multi.createFrom().item(ByteBuffer.wrap(new byte[3]))).await().indefinitely();
        }

        local.delete(key).await().indefinitely();
        assertThat(local.pathOf(neighbour)).exists();
        local.delete(neighbour).await().indefinitely();

        Path artifactFolder = local.pathOf(key).getParent().getParent();
        assertThat(artifactFolder).doesNotExist();
        assertThat(Path.of(root).resolve(".incoming")).as("the provider's own folders").exists();
    }

    @Test
    void abilitiesAreTheProvidersOwnNotBuiltPerCall() {
        LocalStorageProvider local = (LocalStorageProvider) providers.get("local").unwrap();
        for (Class<?> kind : new Class<?>[]{IncomingSweep.class, ObjectListing.class, MultipartUploads.class}) {
            assertThat(local.ability(kind)).as(kind.getSimpleName()).isPresent();
            assertThat(local.ability(kind).get()).as(kind.getSimpleName()).isSameAs(local.ability(kind).get());
        }
    }

    /** Sends the path byte for byte: HTTP client libraries would normalise the dot segments away. */
    private String rawGet(String path) throws IOException {
        URI base = URI.create(publicUrl);
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + "?expires=9999999999&kid=x&signature=y HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
