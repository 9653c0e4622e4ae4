import de.bwaldvogel.mongo.bson.BinData;
import de.bwaldvogel.mongo.bson.BsonJavaScript;
import de.bwaldvogel.mongo.bson.BsonRegularExpression;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Decimal128;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.LegacyUUID;
import de.bwaldvogel.mongo.bson.MaxKey;
import de.bwaldvogel.mongo.bson.MinKey;
import de.bwaldvogel.mongo.bson.ObjectId;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.WriteBuffer;

/**
 * H2 writes pages to the file on a background thread, reading the very document objects its maps hold; an update
 * must therefore never change a stored document in place (EmbeddedMongo.IdFirstH2Collection), and BsonDocumentType
 * writes each stored document object's bytes once. Checks both on the objects themselves, which a test through the
 * wire protocol cannot see: that the copies are the ones cloneDeeply makes, and that no document is ever written
 * with bytes made from another. Compiled and run by test/integration/embedded-document-storage.test.ts; prints
 * what failed and exits 1.
 */
public final class StoredDocumentsTest {
    private static final Channel channel = new EmbeddedChannel();
    private static final StringBuilder failures = new StringBuilder();

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("stored-documents-");
        try {
            updatesChangeCopies(dir.resolve("updates.mv.db").toString());
            aggregationsChangeCopies(dir.resolve("aggregations.mv.db").toString());
            copiesAreCloneDeeplys();
            storedBytesAreWhatTheDocumentReadsBackAs();
            changedDocumentsAreWrittenWithTheirNewBytes(dir.resolve("restarts.mv.db").toString());
            storedFormsGoWithTheirDocuments();
            collStatsAddsUpWhatIsStored(dir.resolve("sizes.mv.db").toString());
            memoryCollStatsAddsUpWhatIsStored();
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
        if (failures.length() > 0) {
            System.out.print(failures);
            System.exit(1);
        }
        System.out.println("ok");
    }

    private static void fail(String message) {
        failures.append(message).append('\n');
    }

    private static Document run(EmbeddedMongo.IdFirstH2Backend backend, String command, Document query) {
        return backend.handleCommand(channel, "app", command, query);
    }

    private static MVMap<Object, Document> stored(EmbeddedMongo.IdFirstH2Backend backend, String collection) {
        return backend.getMvStore().openMap("databases.app." + collection);
    }

    private static void updatesChangeCopies(String file) {
        EmbeddedMongo.IdFirstH2Backend backend = new EmbeddedMongo.IdFirstH2Backend(file);
        try {
            run(backend, "insert", new Document("insert", "things")
                .append("documents", List.of(new Document("_id", "a").append("x", 1).append("list", new ArrayList<>(List.of(1, 2))))));
            MVMap<Object, Document> stored = stored(backend, "things");

            Document inserted = stored.get("a");
            Document beforeUpdate = inserted.cloneDeeply();
            run(backend, "update", new Document("update", "things").append("updates", List.of(new Document("q", new Document("_id", "a"))
                .append("u", new Document("$set", new Document("y", 2)).append("$unset", new Document("x", "")).append("$push", new Document("list", 3))))));
            if (!inserted.equals(beforeUpdate)) fail("an update changed the stored document in place: " + beforeUpdate + " became " + inserted);

            Document updated = stored.get("a");
            Document beforeFindAndModify = updated.cloneDeeply();
            run(backend, "findAndModify", new Document("findAndModify", "things").append("query", new Document("_id", "a"))
                .append("update", new Document("$inc", new Document("y", 1))).append("new", true));
            if (!updated.equals(beforeFindAndModify)) fail("findAndModify changed the stored document in place: " + beforeFindAndModify + " became " + updated);

            Document now = stored.get("a");
            Document expected = new Document("_id", "a").append("list", List.of(1, 2, 3)).append("y", 3);
            if (!now.equals(expected)) fail("the stored document is " + now + ", expected " + expected);
        } finally {
            backend.close();
        }
    }

    /** $addFields and $graphLookup's depthField change the documents they are given; the stored ones must stay as they were, also on disk. */
    private static void aggregationsChangeCopies(String file) {
        Document city = new Document("_id", "g").append("address", new Document("city", "Taipei"));
        Document root = new Document("_id", "p1").append("parent", null);
        Document child = new Document("_id", "p2").append("parent", "p1");
        EmbeddedMongo.IdFirstH2Backend backend = new EmbeddedMongo.IdFirstH2Backend(file);
        try {
            run(backend, "insert", new Document("insert", "places").append("documents", List.of(city.cloneDeeply())));
            run(backend, "insert", new Document("insert", "people").append("documents", List.of(root.cloneDeeply(), child.cloneDeeply())));
            backend.getMvStore().commit();

            Document added = run(backend, "aggregate", new Document("aggregate", "places").append("cursor", new Document())
                .append("pipeline", List.of(new Document("$addFields", new Document("address", new Document("zip", "100"))))));
            Object answer = ((Document) added.get("cursor")).get("firstBatch");
            Document expectedAnswer = new Document("_id", "g").append("address", new Document("city", "Taipei").append("zip", "100"));
            if (!List.of(expectedAnswer).equals(answer)) fail("$addFields answered " + answer + ", expected [" + expectedAnswer + "]");
            if (!city.equals(stored(backend, "places").get("g"))) fail("$addFields changed the stored document: it is " + stored(backend, "places").get("g"));

            Document graphLookup = new Document("from", "people").append("startWith", "$parent").append("connectFromField", "parent")
                .append("connectToField", "_id").append("as", "ancestors").append("depthField", "depth");
            Document looked = run(backend, "aggregate", new Document("aggregate", "people").append("cursor", new Document())
                .append("pipeline", List.of(new Document("$match", new Document("_id", "p2")), new Document("$graphLookup", graphLookup))));
            Object ancestors = ((Document) ((List<?>) ((Document) looked.get("cursor")).get("firstBatch")).get(0)).get("ancestors");
            if (!List.of(new Document(root).append("depth", 0L)).equals(ancestors)) fail("$graphLookup answered ancestors " + ancestors);
            if (!root.equals(stored(backend, "people").get("p1"))) fail("$graphLookup changed the stored document: it is " + stored(backend, "people").get("p1"));

            // $out and $merge give a document without an _id one. In this version $replaceRoot hands them a copy of the
            // embedded document, so this holds with or without their copies (given anyway, in case a stage passes one on).
            for (Document stage : List.of(new Document("$out", "roots"), new Document("$merge", new Document("into", "merged")))) {
                run(backend, "aggregate", new Document("aggregate", "places").append("cursor", new Document())
                    .append("pipeline", List.of(new Document("$replaceRoot", new Document("newRoot", "$address")), stage)));
                String into = stage.containsKey("$out") ? "roots" : "merged";
                Object written = ((Document) run(backend, "find", new Document("find", into)).get("cursor")).get("firstBatch");
                if (!(written instanceof List<?> list) || list.size() != 1) fail(stage.keySet() + " wrote " + written + ", expected the one address");
                if (!city.equals(stored(backend, "places").get("g"))) fail(stage.keySet() + " changed the stored document it was given: it is " + stored(backend, "places").get("g"));
            }
        } finally {
            backend.close();
        }
        backend = new EmbeddedMongo.IdFirstH2Backend(file);
        try {
            if (!city.equals(stored(backend, "places").get("g"))) fail("after a restart, the document $addFields was given is " + stored(backend, "places").get("g"));
            if (!root.equals(stored(backend, "people").get("p1"))) fail("after a restart, the document $graphLookup found is " + stored(backend, "people").get("p1"));
        } finally {
            backend.close();
        }
    }

    /** Every kind of value a stored document can hold, nested every way, in no sorted key order. */
    static Document everyKindOfValue() {
        Document member = new Document("_id", "m_1").append("zeta", 1).append("alpha", 2L).append("nothing", null)
            .append("double", 2.5).append("nan", Double.longBitsToDouble(0x7ff0000000000001L)).append("negativeZero", -0.0)
            .append("decimal", new Decimal128(1, 2)).append("text", "會員 émoji 😀").append("flag", true)
            .append("objectId", new ObjectId()).append("date", Instant.ofEpochMilli(1_700_000_000_123L))
            .append("nanos", Instant.ofEpochSecond(1_700_000_000L, 123_456_789)).append("binary", new BinData(new byte[] {1, 2, 3}))
            .append("uuid", UUID.randomUUID()).append("legacyUuid", new LegacyUUID(UUID.randomUUID()))
            .append("timestamp", new BsonTimestamp(42L)).append("regex", new BsonRegularExpression("^a.*", "i"))
            .append("code", new BsonJavaScript("return 1")).append("min", MinKey.getInstance()).append("max", MaxKey.getInstance())
            .append("bytes", new byte[] {9, 8}).append("empty", new Document());
        Document twelve = new Document();
        for (int i = 12; i > 0; i--) twelve.append("k" + i, i);
        Document thirteen = new Document(twelve).append("k13", 13);
        member.append("twelveFields", twelve).append("thirteenFields", thirteen);
        Document address = new Document("street", "Main").append("geo", new Document("lat", 25.0).append("lng", 121.5))
            .append("tags", new ArrayList<>(List.of("home", new Document("since", 2020))));
        member.append("address", address);
        List<Document> visits = new ArrayList<>();
        for (int i = 0; i < 20; i++) visits.add(new Document("at", Instant.ofEpochMilli(i)).append("points", i).append("items", List.of(i, "x" + i)));
        member.append("visits", visits).append("immutableList", List.of(1, List.of(2, new Document("deep", 3))))
            .append("linkedList", new LinkedList<>(List.of(new Document("l", 1), 2))).append("arraysAsList", Arrays.asList(3, null, "z"))
            .append("linkedHashSet", new LinkedHashSet<>(List.of("b", "a", new Document("s", 1))))
            .append("hashSet", new HashSet<>(List.of("q", "r", "s"))).append("treeSet", new TreeSet<>(List.of("y", "x")))
            .append("hashMap", new HashMap<>(Map.of("shared", new Document("as", "is")))).append("deque", new ArrayDeque<>(List.of(new Document("d", 1))))
            .append("listOfLists", new ArrayList<>(List.of(new ArrayList<>(List.of(new Document("n", 1))), new ArrayList<>())));
        return member;
    }

    private static void copiesAreCloneDeeplys() throws IOException {
        List<Document> documents = new ArrayList<>();
        documents.add(everyKindOfValue());
        documents.add(new Document());
        documents.add(new Document("only", List.of()));
        LinkedHashMap<String, Object> many = new LinkedHashMap<>();
        for (int i = 0; i < 100; i++) many.put("f" + (i * 37 % 100), i % 3 == 0 ? new Document("i", i) : i);
        documents.add(new Document(many));
        for (Document original : documents) {
            Document expected = original.cloneDeeply();
            Document copy = EmbeddedMongo.copyDeeply(original);
            sameAsCloneDeeply(original, expected, copy, "");
            if (!Arrays.equals(javaSerialized(expected), javaSerialized(copy))) {
                fail("copyDeeply's copy of " + original.keySet() + " is Java-serialized otherwise than cloneDeeply's");
            }
        }
    }

    /** The copy has cloneDeeply's classes, key order and elements, copies what it copies and shares what it shares. */
    private static void sameAsCloneDeeply(Object original, Object expected, Object copy, String path) {
        if (expected == null || copy == null) {
            if (expected != copy) fail(path + ": copyDeeply made " + copy + " of what cloneDeeply made " + expected);
            return;
        }
        if (expected.getClass() != copy.getClass()) {
            fail(path + ": copyDeeply made a " + copy.getClass().getName() + ", cloneDeeply a " + expected.getClass().getName());
            return;
        }
        boolean copied = expected != original;
        if (copied != (copy != original)) fail(path + ": copyDeeply " + (copied ? "shares" : "copies") + " what cloneDeeply " + (copied ? "copies" : "shares"));
        if (!copied) return;
        if (expected instanceof Document expectedDocument) {
            Document copyDocument = (Document) copy;
            if (!new ArrayList<>(expectedDocument.keySet()).equals(new ArrayList<>(copyDocument.keySet()))) {
                fail(path + ": copyDeeply's keys are " + copyDocument.keySet() + ", cloneDeeply's " + expectedDocument.keySet());
                return;
            }
            for (String key : expectedDocument.keySet()) {
                sameAsCloneDeeply(((Document) original).get(key), expectedDocument.get(key), copyDocument.get(key), path + "." + key);
            }
        } else if (expected instanceof Collection<?> expectedElements) {
            Collection<?> copyElements = (Collection<?>) copy;
            if (expectedElements.size() != copyElements.size()) {
                fail(path + ": copyDeeply copied " + copyElements.size() + " elements, cloneDeeply " + expectedElements.size());
                return;
            }
            Iterator<?> originals = ((Collection<?>) original).iterator();
            Iterator<?> copies = copyElements.iterator();
            int index = 0;
            for (Object expectedElement : expectedElements) {
                sameAsCloneDeeply(originals.next(), expectedElement, copies.next(), path + "[" + index++ + "]");
            }
        }
    }

    private static byte[] javaSerialized(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    private static byte[] written(EmbeddedMongo.BsonDocumentType type, Document document) {
        WriteBuffer buffer = new WriteBuffer();
        type.write(buffer, document);
        ByteBuffer written = buffer.getBuffer();
        written.flip();
        byte[] bytes = new byte[written.remaining()];
        written.get(bytes);
        return bytes;
    }

    /**
     * The bytes a document was read from are what write then stores for it: so they must be exactly what encoding
     * it afresh gives, for every value BSON can hold. And a document is written with its own bytes, never with
     * those of an equal-looking one, nor with those of the document it was copied from.
     */
    private static void storedBytesAreWhatTheDocumentReadsBackAs() {
        EmbeddedMongo.BsonDocumentType type = new EmbeddedMongo.BsonDocumentType();
        Document every = everyKindOfValue();
        // Kept Java-serialized instead: nanoseconds, and a byte[] (BSON's binary is BinData).
        every.remove("nanos");
        every.remove("bytes");
        every.append("loneSurrogate", "a\uD800b").append("nanWithPayload", Double.longBitsToDouble(0xfff8_0000_dead_beefL))
            .append("longMin", Long.MIN_VALUE).append("dateMin", Instant.ofEpochMilli(Long.MIN_VALUE));
        List<Document> documents = new ArrayList<>();
        documents.add(every);
        for (Map.Entry<String, Object> field : every.entrySet()) documents.add(new Document("_id", field.getKey()).append("value", field.getValue()));
        for (Document document : documents) {
            Object encoded = EmbeddedMongo.BsonDocumentType.storedForm(document);
            if (!(encoded instanceof byte[] bytes)) {
                fail("document " + document.get("_id") + " is not stored as BSON: " + encoded);
                continue;
            }
            Document read = type.read(ByteBuffer.wrap(bytes));
            Object encodedAgain = EmbeddedMongo.BsonDocumentType.storedForm(read);
            if (!(encodedAgain instanceof byte[] again) || !Arrays.equals(bytes, again)) {
                fail("document " + document.get("_id") + " read back as " + read + " encodes to other bytes than it was read from");
            }
            if (!Arrays.equals(written(type, read), bytes)) fail("document " + document.get("_id") + " is written otherwise than it was read");
            if (!Arrays.equals(written(type, document), bytes)) fail("document " + document.get("_id") + " is written otherwise than it encodes");
        }

        Document original = new Document("_id", "o").append("points", 1).append("nested", new Document("tier", "gold"));
        byte[] originalBytes = written(type, original);
        Document copy = EmbeddedMongo.copyDeeply(original);
        ((Document) copy.get("nested")).put("tier", "silver");
        Document copyRead = type.read(ByteBuffer.wrap(written(type, copy)));
        if (!copyRead.equals(copy)) fail("a changed copy of a written document was written as " + copyRead + ", not as " + copy);
        Document equal = new Document(original);
        if (!Arrays.equals(written(type, equal), originalBytes) || !Arrays.equals(written(type, original), originalBytes)) {
            fail("equal documents are written with different bytes");
        }
        if (written(type, new Document("_id", "n").append("at", Instant.ofEpochSecond(1, 5)))[0] == EmbeddedMongo.BsonDocumentType.BSON) {
            fail("a document with nanoseconds was stored as BSON");
        }
    }

    /** Documents H2 wrote once and that then change through the server are written with their new content, also once read back from the file. */
    private static void changedDocumentsAreWrittenWithTheirNewBytes(String file) {
        Map<String, Document> expected = new LinkedHashMap<>();
        List<Document> inserted = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            Document document = new Document("_id", "d" + i).append("points", i).append("profile", new Document("tier", "basic").append("tags", new ArrayList<>(List.of("t" + i))));
            inserted.add(document.cloneDeeply());
            expected.put("d" + i, document);
        }
        EmbeddedMongo.IdFirstH2Backend backend = new EmbeddedMongo.IdFirstH2Backend(file);
        try {
            run(backend, "insert", new Document("insert", "members").append("documents", inserted));
            backend.getMvStore().commit();
            changeThroughTheServer(backend, expected, 0);
            backend.getMvStore().commit();
            changeThroughTheServer(backend, expected, 1);
        } finally {
            backend.close();
        }
        expectStored(file, expected, "after changes to documents written before");

        // Now every document H2 holds was read from the file and keeps the bytes it was read from.
        backend = new EmbeddedMongo.IdFirstH2Backend(file);
        try {
            for (String id : expected.keySet()) stored(backend, "members").get(id);
            changeThroughTheServer(backend, expected, 2);
            backend.getMvStore().commit();
            changeThroughTheServer(backend, expected, 3);
        } finally {
            backend.close();
        }
        expectStored(file, expected, "after changes to documents read from the file");
    }

    private static void changeThroughTheServer(EmbeddedMongo.IdFirstH2Backend backend, Map<String, Document> expected, int round) {
        String updated = "d" + (10 + round);
        run(backend, "update", new Document("update", "members").append("updates", List.of(new Document("q", new Document("_id", updated))
            .append("u", new Document("$set", new Document("profile.tier", "gold" + round)).append("$push", new Document("profile.tags", "r" + round))))));
        Document profile = (Document) expected.get(updated).get("profile");
        List<Object> tags = new ArrayList<>((List<?>) profile.get("tags"));
        tags.add("r" + round);
        profile.append("tier", "gold" + round).append("tags", tags);

        String modified = "d" + (20 + round);
        run(backend, "findAndModify", new Document("findAndModify", "members").append("query", new Document("_id", modified))
            .append("update", new Document("$inc", new Document("points", 100))));
        expected.get(modified).put("points", (Integer) expected.get(modified).get("points") + 100);

        String replaced = "d" + (30 + round);
        run(backend, "update", new Document("update", "members").append("updates", List.of(new Document("q", new Document("_id", replaced))
            .append("u", new Document("points", -round)))));
        expected.put(replaced, new Document("_id", replaced).append("points", -round));

        run(backend, "update", new Document("update", "members").append("updates", List.of(new Document("q", new Document("points", new Document("$lt", 5)))
            .append("u", new Document("$inc", new Document("points", 1))).append("multi", true))));
        for (Document document : expected.values()) {
            int points = (Integer) document.get("points");
            if (points < 5) document.put("points", points + 1);
        }

        String upserted = "u" + round;
        run(backend, "update", new Document("update", "members").append("updates", List.of(new Document("q", new Document("_id", upserted))
            .append("u", new Document("$set", new Document("points", 7))).append("upsert", true))));
        expected.put(upserted, new Document("_id", upserted).append("points", 7));
    }

    private static void expectStored(String file, Map<String, Document> expected, String when) {
        EmbeddedMongo.IdFirstH2Backend backend = new EmbeddedMongo.IdFirstH2Backend(file);
        try {
            MVMap<Object, Document> stored = stored(backend, "members");
            for (Map.Entry<String, Document> document : expected.entrySet()) {
                Document read = stored.get(document.getKey());
                if (!document.getValue().equals(read)) fail(when + ", the file gives back " + read + ", expected " + document.getValue());
            }
            if (stored.size() != expected.size()) fail(when + ", the file holds " + stored.size() + " documents, expected " + expected.size());
        } finally {
            backend.close();
        }
    }

    /** What mongo-java-server counted a document's size as (Utils.calculateSize, package-private): its length as BSON. */
    private static int bsonSize(Document document) {
        ByteBuf buffer = Unpooled.buffer();
        try {
            BsonEncoder.encodeDocument(document, buffer);
            return buffer.writerIndex();
        } finally {
            buffer.release();
        }
    }

    /** Inserts, updates (growing, shrinking, replacing, many at once, an upsert), a findAndModify and deletes, as the server takes them. */
    private static void writeDocumentsOfEverySize(java.util.function.BiFunction<String, Document, Document> run, String collection) {
        List<Document> documents = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            documents.add(new Document("_id", "s" + i).append("points", i).append("text", "x".repeat(i * 7))
                .append("profile", new Document("tier", "basic").append("tags", new ArrayList<>(List.of("t" + i)))));
        }
        documents.add(new Document("_id", "nanos").append("at", Instant.ofEpochSecond(1, 5)));
        run.apply("insert", new Document("insert", collection).append("documents", documents));
        run.apply("update", new Document("update", collection).append("updates", List.of(
            new Document("q", new Document("_id", "s3")).append("u", new Document("$set", new Document("text", "y".repeat(500)))),
            new Document("q", new Document("_id", "s20")).append("u", new Document("$unset", new Document("profile", ""))),
            new Document("q", new Document("_id", "s4")).append("u", new Document("$push", new Document("profile.tags", "gold"))),
            new Document("q", new Document("_id", "s5")).append("u", new Document("points", 1L)),
            new Document("q", new Document("points", new Document("$lt", 10))).append("u", new Document("$inc", new Document("points", 1.5))).append("multi", true),
            new Document("q", new Document("_id", "new")).append("u", new Document("$set", new Document("points", 7))).append("upsert", true))));
        run.apply("findAndModify", new Document("findAndModify", collection).append("query", new Document("_id", "s6"))
            .append("update", new Document("$set", new Document("profile.tier", "a much longer tier name"))));
        run.apply("delete", new Document("delete", collection).append("deletes", List.of(
            new Document("q", new Document("_id", "s7")).append("limit", 1),
            new Document("q", new Document("points", new Document("$gt", 25))).append("limit", 0))));
    }

    /** collStats' count, size and average, and validate's size, as the documents now stored add up. */
    private static void expectStatsOf(java.util.function.BiFunction<String, Document, Document> run, String collection, Collection<Document> stored, String when) {
        int size = 0;
        for (Document document : stored) size += bsonSize(document);
        Document stats = run.apply("collStats", new Document("collStats", collection));
        Document expected = new Document("count", stored.size()).append("size", size).append("avgObjSize", stored.isEmpty() ? 0 : size / stored.size());
        Document answered = new Document("count", stats.get("count")).append("size", stats.get("size")).append("avgObjSize", stats.get("avgObjSize"));
        if (!answered.equals(expected)) fail(when + ", collStats answered " + answered + ", expected " + expected);
        Object validated = run.apply("validate", new Document("validate", collection)).get("datasize");
        if (!Long.valueOf(size).equals(validated)) fail(when + ", validate answered datasize " + validated + ", expected " + size);
    }

    /**
     * The collections add up their data size when asked instead of counting it on every write: collStats gives the
     * sum of the stored documents' BSON sizes, after every kind of write and after a restart, and the count that
     * H2Collection kept in the collection's meta map is neither written any more nor read (a file's old entry stays).
     */
    private static void collStatsAddsUpWhatIsStored(String file) {
        EmbeddedMongo.IdFirstH2Backend backend = new EmbeddedMongo.IdFirstH2Backend(file);
        Object keptCount;
        try {
            java.util.function.BiFunction<String, Document, Document> run = (command, query) -> run(backend, command, query);
            run.apply("create", new Document("create", "sizes"));
            expectStatsOf(run, "sizes", List.of(), "in an empty collection");
            writeDocumentsOfEverySize(run, "sizes");
            expectStatsOf(run, "sizes", stored(backend, "sizes").values(), "after writes");
            keptCount = backend.getMvStore().openMap("meta.app.sizes").get("dataSize");
            if (!Long.valueOf(0).equals(keptCount)) fail("the writes changed the meta map's dataSize entry: it is " + keptCount + ", not 0");
            // As a file an earlier build wrote would hold it: a count of its own, which collStats must not answer.
            backend.getMvStore().openMap("meta.app.sizes").put("dataSize", 123_456L);
        } finally {
            backend.close();
        }
        EmbeddedMongo.IdFirstH2Backend reopened = new EmbeddedMongo.IdFirstH2Backend(file);
        try {
            java.util.function.BiFunction<String, Document, Document> run = (command, query) -> run(reopened, command, query);
            expectStatsOf(run, "sizes", stored(reopened, "sizes").values(), "after a restart");
            run.apply("update", new Document("update", "sizes").append("updates", List.of(
                new Document("q", new Document("_id", "s8")).append("u", new Document("$set", new Document("text", "z".repeat(1000)))))));
            expectStatsOf(run, "sizes", stored(reopened, "sizes").values(), "after an update once restarted");
            Object oldEntry = reopened.getMvStore().openMap("meta.app.sizes").get("dataSize");
            if (!Long.valueOf(123_456L).equals(oldEntry)) fail("the meta map's dataSize entry of an existing file changed to " + oldEntry);
        } finally {
            reopened.close();
        }
    }

    /** The memory backend (the test suite's) adds up its data size the same way. */
    private static void memoryCollStatsAddsUpWhatIsStored() {
        EmbeddedMongo.IdFirstMemoryBackend backend = new EmbeddedMongo.IdFirstMemoryBackend();
        try {
            java.util.function.BiFunction<String, Document, Document> run = (command, query) -> backend.handleCommand(channel, "app", command, query);
            writeDocumentsOfEverySize(run, "sizes");
            Object found = ((Document) run.apply("find", new Document("find", "sizes").append("batchSize", 1000)).get("cursor")).get("firstBatch");
            @SuppressWarnings("unchecked")
            List<Document> stored = (List<Document>) found;
            expectStatsOf(run, "sizes", stored, "in memory, after writes");
        } finally {
            backend.close();
        }
    }

    /** The remembered bytes do not keep their documents alive, and go once the documents are collected. */
    private static void storedFormsGoWithTheirDocuments() throws InterruptedException {
        EmbeddedMongo.BsonDocumentType type = new EmbeddedMongo.BsonDocumentType();
        int before = EmbeddedMongo.BsonDocumentType.storedForms.size();
        List<Document> written = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) written.add(new Document("_id", i).append("text", "x".repeat(50)));
        WriteBuffer page = new WriteBuffer();
        for (Document document : written) type.write(page, document);
        if (EmbeddedMongo.BsonDocumentType.storedForms.size() < before + 20_000) fail("written documents' bytes were not remembered");
        written = null;
        for (int attempt = 0; attempt < 50 && EmbeddedMongo.BsonDocumentType.storedForms.size() >= before + 1_000; attempt++) {
            System.gc();
            Thread.sleep(20);
            EmbeddedMongo.BsonDocumentType.storedForms.get(new Object());
        }
        int after = EmbeddedMongo.BsonDocumentType.storedForms.size();
        if (after >= before + 1_000) fail("the bytes of " + (after - before) + " collected documents are still remembered");
    }
}
