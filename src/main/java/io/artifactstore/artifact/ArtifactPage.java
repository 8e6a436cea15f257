package io.artifactstore.artifact;

import java.util.List;

/** One page of a listing; {@code nextCursor} is null on the last page. */
public record ArtifactPage(List<ArtifactView> items, String nextCursor) {
}
