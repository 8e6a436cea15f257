package io.artifactstore.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A 400 for a body Jackson refused, naming the field and what it must be, in our own words: Jackson's
 * messages quote the input and name our classes.
 */
final class JsonProblems {

    private JsonProblems() {
    }

    static ServiceException of(JsonProcessingException e) {
        String field = field(e);
        String message = message(e);
        if (field == null || field.isEmpty()) {
            return ServiceException.badRequest("The request body " + message);
        }
        return ServiceException.invalidField(field, message);
    }

    private static String message(JsonProcessingException e) {
        if (find(e, StreamConstraintsException.class) != null) {
            return "is nested too deeply or is too long";
        }
        StreamReadException read = find(e, StreamReadException.class);
        if (read instanceof InputCoercionException coercion) {
            return "is out of range for " + jsonType(coercion.getTargetType());
        }
        if (read != null) {
            String raw = String.valueOf(read.getOriginalMessage());
            return raw.startsWith("Duplicate field") ? "appears more than once" : "is not valid JSON";
        }
        if (e instanceof MismatchedInputException mismatch) {
            String raw = String.valueOf(mismatch.getOriginalMessage());
            if (raw.startsWith("Trailing token")) {
                return "has content after its JSON value";
            }
            return mismatch.getTargetType() == null ? "has the wrong JSON type" : "must be " + jsonType(mismatch.getTargetType());
        }
        return "has the wrong JSON type";
    }

    /**
     * The field as the client wrote it ("metadata.a[2]"): where the parser stopped, which is exact
     * for broken or duplicate keys, else the mapper's path, which is kept for type mismatches.
     */
    private static String field(JsonProcessingException e) {
        StreamReadException read = find(e, StreamReadException.class);
        JsonParser parser = read == null ? null : read.getProcessor();
        String parsed = parser == null || parser.getParsingContext() == null ? "" : path(parser.getParsingContext());
        if (!parsed.isEmpty() || !(e instanceof JsonMappingException mapping)) {
            return parsed;
        }
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : mapping.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String path(JsonStreamContext context) {
        List<String> parts = new ArrayList<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inObject() && c.getCurrentName() != null) {
                parts.add("." + c.getCurrentName());
            } else if (c.inArray()) {
                parts.add("[" + Math.max(0, c.getCurrentIndex()) + "]");
            }
        }
        Collections.reverse(parts);
        String joined = String.join("", parts);
        return joined.startsWith(".") ? joined.substring(1) : joined;
    }

    private static String jsonType(Class<?> type) {
        if (type == null) {
            return "a value of the expected type";
        }
        if (CharSequence.class.isAssignableFrom(type) || type.isEnum()) {
            return "a string";
        }
        if (type == Long.class || type == long.class || type == Integer.class || type == int.class
                || type == Short.class || type == short.class || type == BigInteger.class) {
            return "a whole number";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class || type == BigDecimal.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        return Map.class.isAssignableFrom(type) || !type.isPrimitive() ? "an object" : "a value of the expected type";
    }

    private static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
