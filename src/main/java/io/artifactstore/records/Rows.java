package io.artifactstore.records;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowIterator;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** What the statement classes of this package share: one parameter style ($n and a Tuple), UTC timestamps. */
final class Rows {

    private Rows() {
    }

    static Uni<RowSet<Row>> run(SqlClient client, String sql, Tuple values) {
        return client.preparedQuery(sql).execute(values);
    }

    static Uni<Void> execute(SqlClient client, String sql, Tuple values) {
        return run(client, sql, values).replaceWithVoid();
    }

    /** One statement run for each of {@code batch}, in one round trip; nothing when the batch is empty. */
    static Uni<Void> executeBatch(SqlClient client, String sql, List<Tuple> batch) {
        return batch.isEmpty() ? Uni.createFrom().voidItem() : client.preparedQuery(sql).executeBatch(batch).replaceWithVoid();
    }

    static Uni<Integer> update(SqlClient client, String sql, Tuple values) {
        return run(client, sql, values).map(RowSet::rowCount);
    }

    /** The first row mapped, or null when there is none. */
    static <T> Uni<T> first(SqlClient client, String sql, Tuple values, Function<Row, T> mapping) {
        return run(client, sql, values).map(rows -> {
            RowIterator<Row> found = rows.iterator();
            return found.hasNext() ? mapping.apply(found.next()) : null;
        });
    }

    static <T> Uni<List<T>> all(SqlClient client, String sql, Tuple values, Function<Row, T> mapping) {
        return run(client, sql, values).map(rows -> {
            List<T> mapped = new ArrayList<>(rows.size());
            for (Row row : rows) {
                mapped.add(mapping.apply(row));
            }
            return mapped;
        });
    }

    /** How many columns a list of them ("a, b, c") names. */
    static int count(String columns) {
        return columns.split(",").length;
    }

    /** The parameters {@code $first} to {@code $(first + count - 1)}, comma-separated: the VALUES of an INSERT. */
    static String placeholders(int first, int count) {
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < count; i++) {
            values.append(i == 0 ? "$" : ", $").append(first + i);
        }
        return values.toString();
    }

    /** {@code second}'s values appended to {@code first}'s: the parameters of one statement that writes two rows. */
    static Tuple concat(Tuple first, Tuple second) {
        for (int i = 0; i < second.size(); i++) {
            first.addValue(second.getValue(i));
        }
        return first;
    }

    static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    static Instant instant(Row row, String column) {
        OffsetDateTime at = row.getOffsetDateTime(column);
        return at == null ? null : at.toInstant();
    }
}
