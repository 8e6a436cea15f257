package io.artifactstore.provider.local;

import io.artifactstore.provider.ObjectListing;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The files under the root in key order, skipping the staging directory. Folders are visited in the
 * order their keys sort (a folder's name sorts as "name/"), and a folder whose keys all sort before
 * the page's start, or outside the prefix, is not opened, so a page costs the folders on its path,
 * not the whole tree. Only one folder's entries are held at a time. Blocking file I/O, so it runs on
 * a worker thread.
 */
final class LocalObjectListing implements ObjectListing {

    private final Path root;
    private final String incoming;
    private final Vertx vertx;

    LocalObjectListing(Path root, String incoming, Vertx vertx) {
        this.root = root;
        this.incoming = incoming;
        this.vertx = vertx;
    }

    @Override
    public Uni<List<ListedObject>> list(String prefix, String startAfter, int limit) {
        return vertx.executeBlocking(Uni.createFrom().item(() -> {
            List<ListedObject> found = new ArrayList<>();
            visit(root, "", prefix, startAfter, limit, found);
            return found;
        }));
    }

    private record Entry(Path path, String key, boolean folder, BasicFileAttributes attributes) {
        /** Where the entry's keys start in key order: a folder's with a slash after its name. */
        String sortKey() {
            return folder ? key + '/' : key;
        }
    }

    private void visit(Path folder, String relative, String prefix, String startAfter, int limit, List<ListedObject> found) {
        for (Entry entry : entries(folder, relative)) {
            if (found.size() >= limit) {
                return;
            }
            if (entry.folder()) {
                String keys = entry.sortKey();
                boolean inPrefix = keys.startsWith(prefix) || prefix.startsWith(keys);
                boolean allBeforeStart = keys.compareTo(startAfter) <= 0 && !startAfter.startsWith(keys);
                if (inPrefix && !allBeforeStart) {
                    visit(entry.path(), keys, prefix, startAfter, limit, found);
                }
            } else if (entry.attributes().isRegularFile() && entry.key().startsWith(prefix) && entry.key().compareTo(startAfter) > 0) {
                found.add(new ListedObject(entry.key(), entry.attributes().size(), entry.attributes().lastModifiedTime().toInstant()));
            }
        }
    }

    /** The folder's entries in key order; links are neither followed nor listed. */
    private List<Entry> entries(Path folder, String relative) {
        List<Entry> entries = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(folder)) {
            for (Path child : children) {
                String name = child.getFileName().toString();
                if (relative.isEmpty() && name.equals(incoming)) {
                    continue;
                }
                try {
                    BasicFileAttributes attributes = Files.readAttributes(child, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (!attributes.isSymbolicLink()) {
                        entries.add(new Entry(child, relative + name, attributes.isDirectory(), attributes));
                    }
                } catch (NoSuchFileException gone) { // deleted meanwhile: nothing to list
                }
            }
        } catch (NoSuchFileException gone) {
            if (relative.isEmpty()) { // a missing root is an outage, not an empty store: no record may look missing
                throw new UncheckedIOException(gone);
            }
            return List.of(); // a folder removed meanwhile
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        entries.sort(Comparator.comparing(Entry::sortKey));
        return entries;
    }
}
