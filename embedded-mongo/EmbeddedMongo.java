import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.ArrayFilters;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.DatabaseResolver;
import de.bwaldvogel.mongo.backend.DocumentWithPosition;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerException;
import de.bwaldvogel.mongo.oplog.Oplog;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import java.io.InputStream;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;
import org.h2.mvstore.type.ObjectDataType;

/**
 * Runs mongo-java-server on 127.0.0.1 for the bot server and the test suite.
 *
 * Usage: EmbeddedMongo (memory | h2 FILE) [PORT]
 * Prints "LISTENING <port>" once it accepts connections. Stops on SIGTERM, and when its standard
 * input closes, so a parent that dies without cleaning up (SIGKILL) never leaves it running.
 *
 * The backends are mongo-java-server's own, with two lookups made as fast as MongoDB's (below): a filter
 * that pins _id uses the _id index, and H2 compares unique-index keys without serializing them each time.
 * Neither changes what is stored or what a query answers (test/integration/embedded-database.test.ts). And a
 * collection's data size (collStats) is added up when asked, not counted on every write (bsonSizeOf).
 */
public final class EmbeddedMongo {
    /** mongoose 9 (driver 7) refuses servers below wire version 9; report MongoDB 5.0 / wire 13. */
    private static final MongoVersion MONGO_5_0_WIRE_13 = new MongoVersion() {
        @Override public List<Integer> getVersionArray() { return List.of(5, 0, 0); }
        @Override public int getWireVersion() { return 13; }
    };

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || (args[0].equals("h2") && args.length < 2)) {
            System.err.println("usage: EmbeddedMongo (memory | h2 FILE) [PORT]");
            System.exit(2);
        }
        boolean h2 = args[0].equals("h2");
        if (h2) {
            String problem = keyOrderProblem(KeyValue.class, sampleIndexKeys());
            if (problem != null) {
                System.err.println("[embedded-mongo] will not start: " + problem + ". IndexKeyType (embedded-mongo/EmbeddedMongo.java) "
                    + "orders unique-index keys the way H2 did when it was written, only faster; ordered any other way, lookups and "
                    + "uniqueness checks would go wrong without an error. Make IndexKeyType order keys as H2 now does, or stop "
                    + "using it in openOrCreateUniqueIndex (it only saves time), then run `node scripts/install-embedded-mongo.mjs`.");
                System.exit(3);
            }
        }
        MongoBackend backend = h2 ? new IdFirstH2Backend(args[1]) : new IdFirstMemoryBackend();
        backend.version(MONGO_5_0_WIRE_13);
        int portArg = h2 ? 2 : 1;
        int port = args.length > portArg ? Integer.parseInt(args[portArg]) : 0;

        MongoServer server = new MongoServer(backend);
        server.bind(new InetSocketAddress("127.0.0.1", port));
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
        System.out.println("LISTENING " + server.getLocalAddress().getPort());
        System.out.flush();

        InputStream parent = System.in;
        while (parent.read() != -1) {
            // the parent keeps the pipe open while it lives; input itself means nothing
        }
        System.exit(0);
    }

    /*
     * mongo-java-server uses an index only when a query's fields are exactly the index's fields, so a
     * filter like {_id: "m_1", revision: 4} (every compare-and-set, every guarded status change) reads
     * the whole collection, and an update never stops at the first match: each costs time in
     * proportion to the collection. MongoDB answers such a filter from the _id index. These backends
     * do the same: when the filter pins _id to one plain value, the candidates are what the _id index
     * answers for {_id: value} alone, and the whole filter is then matched against them as before.
     */
    static <P> QueryResult idFirst(List<Index<P>> indexes, Document query, IdLookup<P> lookup) {
        if (query.size() < 2 || !query.containsKey("_id")) return null;
        Object id = query.get("_id");
        if (id == null || id instanceof Document || id instanceof Collection) return null;
        Document idOnly = new Document("_id", id);
        for (Index<P> index : indexes) {
            if (index.getKeys().size() == 1 && index.getKeys().get(0).getKey().equals("_id") && index.canHandle(idOnly)) {
                return lookup.match(index.getPositions(idOnly));
            }
        }
        return null;
    }

    interface IdLookup<P> {
        QueryResult match(Iterable<P> positions);
    }

    static final class IdFirstMemoryBackend extends MemoryBackend {
        @Override
        public MemoryDatabase openOrCreateDatabase(String databaseName) {
            return new MemoryDatabase(databaseName, getCursorRegistry()) {
                @Override
                protected MemoryCollection openOrCreateCollection(String collectionName, CollectionOptions options) {
                    return new IdFirstMemoryCollection(this, collectionName, options, getCursorRegistry());
                }
            };
        }
    }

    static final class IdFirstMemoryCollection extends MemoryCollection {
        IdFirstMemoryCollection(MongoDatabase database, String name, CollectionOptions options, CursorRegistry cursors) {
            super(database, name, options, cursors);
        }

        @Override
        protected QueryResult queryDocuments(Document query, Document orderBy, int skip, int limit, int batchSize, Document fields) {
            QueryResult byId = idFirst(getIndexes(), query, positions -> matchDocuments(query, positions, orderBy, skip, limit, batchSize, fields));
            return byId != null ? byId : super.queryDocuments(query, orderBy, skip, limit, batchSize, fields);
        }

        /** Counted when asked, not on every write: see bsonSizeOf. */
        @Override
        protected boolean tracksDataSize() {
            return false;
        }

        /** Synchronized as the writes are: the superclass keeps its documents in a plain ArrayList, and getStats holds no lock. */
        @Override
        protected synchronized int getDataSize() {
            return bsonSizeOf(() -> streamAllDocumentsWithPosition().map(DocumentWithPosition::getDocument).iterator());
        }
    }

    /**
     * mongo-java-server keeps a running count of each collection's data size: it BSON-encoded the old and the new
     * document on every update, the document on every insert and delete, and H2Collection then wrote the count to the
     * collection's meta map, one more page for H2 to write back after every write (together near a tenth of the
     * database's CPU under the webhook benchmark). Only collStats, dbStats and validate report it, and the application
     * asks none of them; so our collections keep no count (tracksDataSize) and add it up when asked: the sum of each
     * stored document's BSON size, as Utils.calculateSize (package-private) measures it, which is what the running
     * count added up. (A document BSON cannot hold, which nothing arriving over the wire is, used to fail the write
     * that stored it with the error below, though it was stored all the same; now collStats fails instead.)
     */
    static int bsonSizeOf(Iterable<Document> documents) {
        ByteBuf buffer = Unpooled.buffer();
        try {
            long size = 0;
            for (Document document : documents) {
                buffer.clear();
                BsonEncoder.encodeDocument(document, buffer);
                size += buffer.writerIndex();
            }
            // The running count wrapped around the same way (an int, or a Long read back with intValue).
            return (int) size;
        } catch (RuntimeException failure) {
            throw new MongoServerException("Failed to calculate document size", failure);
        } finally {
            buffer.release();
        }
    }

    static final class IdFirstH2Backend extends H2Backend {
        IdFirstH2Backend(String fileName) {
            super(new MVStore.Builder().fileName(fileName).backgroundExceptionHandler(IdFirstH2Backend::storeFailed).open());
        }

        /** H2 closes the store after some failures of its background writer; every later command then answers "This store is closed". */
        private static void storeFailed(Thread thread, Throwable failure) {
            System.err.println("[embedded-mongo] the data file's background work failed on " + thread.getName() + " (should H2 have closed the store, every command now fails):");
            failure.printStackTrace();
        }

        @Override
        protected MongoDatabase openOrCreateDatabase(String databaseName) {
            return new IdFirstH2Database(databaseName, getMvStore(), getCursorRegistry());
        }
    }

    /** Opens the same maps as H2Database ("databases.<ns>", "meta.<ns>"), so existing data files keep working. */
    static final class IdFirstH2Database extends H2Database {
        /**
         * Set before the superclass constructor reopens the existing collections through openOrCreateCollection
         * (which runs before this class's fields are assigned); static because the process opens exactly one store.
         */
        private static MVStore store;

        IdFirstH2Database(String databaseName, MVStore mvStore, CursorRegistry cursors) {
            super(remember(databaseName, mvStore), mvStore, cursors);
        }

        private static String remember(String databaseName, MVStore mvStore) {
            store = mvStore;
            return databaseName;
        }

        /**
         * H2Database opens the index's map by name; opening it first with IndexKeyType makes that call return this
         * instance. The bytes on disk are the same (IndexKeyType only changes how keys are compared, not stored).
         */
        @Override
        protected Index<Object> openOrCreateUniqueIndex(String collectionName, String indexName, List<IndexKey> keys, boolean sparse) {
            String mapName = getFullCollectionNamespace(collectionName) + "._index_" + indexName;
            store.openMap(mapName, new MVMap.Builder<Object, Object>().keyType(new IndexKeyType(KeyValue.class)));
            Index<Object> index = super.openOrCreateUniqueIndex(collectionName, indexName, keys, sparse);
            // The map name copies H2Database's: should a new version name it otherwise, say so rather than go slow silently.
            if (!(store.openMap(mapName).getKeyType() instanceof IndexKeyType)) {
                System.err.println("[embedded-mongo] index " + mapName + " compares keys the slow way: the index map name changed");
            }
            return index;
        }

        @Override
        protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
            String namespace = getFullCollectionNamespace(collectionName);
            MVMap<Object, Document> documents = store.openMap("databases." + namespace, new MVMap.Builder<Object, Document>().valueType(new BsonDocumentType()));
            return new IdFirstH2Collection(this, collectionName, options, documents, store.openMap("meta." + namespace), cursorRegistry);
        }

        /**
         * Some of mongo-java-server's aggregation stages change the documents they are given: $addFields merges an
         * embedded document it adds into the document's own embedded document of that name, $graphLookup with a
         * depthField writes the depth into the documents it found, and $out and $merge give a document without an
         * _id one (a $replaceRoot before them can pass on an embedded document that H2 holds). Given the stored
         * ones, they would change documents H2 holds (see IdFirstH2Collection.givingCopies), so a pipeline that
         * holds any of them, anywhere (in a $facet, a $lookup's or a $merge's pipeline), is given copies. $set is the
         * later versions' alias of $addFields.
         */
        @Override
        public Document handleCommand(Channel channel, String command, Document query, DatabaseResolver databaseResolver, Oplog oplog) {
            if (command.equalsIgnoreCase("aggregate") && mayChangeDocumentsItIsGiven(query.get("pipeline"))) {
                return IdFirstH2Collection.whileGivingCopies(() -> super.handleCommand(channel, command, query, databaseResolver, oplog));
            }
            return super.handleCommand(channel, command, query, databaseResolver, oplog);
        }

        private static final Set<String> stagesThatChangeWhatTheyAreGiven = Set.of("$addFields", "$set", "$graphLookup", "$out", "$merge");

        static boolean mayChangeDocumentsItIsGiven(Object pipeline) {
            if (pipeline instanceof Map<?, ?> map) {
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    Object key = entry.getKey();
                    if (stagesThatChangeWhatTheyAreGiven.contains(key)) return true;
                    if (mayChangeDocumentsItIsGiven(entry.getValue())) return true;
                }
            } else if (pipeline instanceof Collection<?> list) {
                for (Object element : list) {
                    if (mayChangeDocumentsItIsGiven(element)) return true;
                }
            }
            return false;
        }
    }

    static final class IdFirstH2Collection extends H2Collection {
        /** The map H2Collection keeps the documents in (its own field is private); null while H2Collection's constructor runs. */
        private final MVMap<Object, Document> documents;

        IdFirstH2Collection(MongoDatabase database, String name, CollectionOptions options,
                            org.h2.mvstore.MVMap<Object, Document> data, org.h2.mvstore.MVMap<String, Object> meta, CursorRegistry cursors) {
            super(database, name, options, data, meta, cursors);
            this.documents = data;
        }

        /** Counted when asked, not on every write: see bsonSizeOf. */
        @Override
        protected boolean tracksDataSize() {
            return false;
        }

        /**
         * H2Collection's constructor asks for the size only to log it (at debug level, but it asks anyway): that gets the
         * count kept in the meta map, rather than every document of every collection encoded at each startup. That
         * "dataSize" entry stays in existing files as it is, read by nothing else and no longer kept up to date, which
         * is harmless: the file's format is unchanged, and a build from before this would go on counting from it, off
         * by the writes in between, in collStats alone.
         */
        @Override
        protected int getDataSize() {
            if (documents == null) return super.getDataSize();
            return bsonSizeOf(documents.values());
        }

        /**
         * mongo-java-server applies an update to the very document object it found, in place, and then puts it back.
         * In H2 that object is also the one the page being written to disk holds, and H2 writes pages on a
         * background thread: the writer could read a document halfway through an update (the BSON encoder then
         * failed, and H2 closed the store; Java serialization wrote a torn document without a word). So an update is
         * given copies to change, and the documents H2 holds are never changed once stored. BsonDocumentType relies
         * on that too: it encodes each stored document object once.
         */
        private static final ThreadLocal<Boolean> givingCopies = ThreadLocal.withInitial(() -> false);

        @Override
        public synchronized Document updateDocuments(Document selector, Document update, ArrayFilters arrayFilters, boolean isMulti, boolean isUpsert, Oplog oplog) {
            return whileGivingCopies(() -> super.updateDocuments(selector, update, arrayFilters, isMulti, isUpsert, oplog));
        }

        @Override
        public synchronized Document findAndModify(Document query) {
            return whileGivingCopies(() -> super.findAndModify(query));
        }

        static Document whileGivingCopies(java.util.function.Supplier<Document> work) {
            boolean outer = givingCopies.get();
            givingCopies.set(true);
            try {
                return work.get();
            } finally {
                givingCopies.set(outer);
            }
        }

        @Override
        protected QueryResult queryDocuments(Document query, Document orderBy, int skip, int limit, int batchSize, Document fields) {
            QueryResult byId = idFirst(getIndexes(), query, positions -> matchDocuments(query, positions, orderBy, skip, limit, batchSize, fields));
            QueryResult found = byId != null ? byId : super.queryDocuments(query, orderBy, skip, limit, batchSize, fields);
            if (!givingCopies.get()) return found;
            // Copied as the update reaches each one: an updateOne stops at the first match.
            Iterable<Document> copies = () -> {
                java.util.Iterator<Document> matches = found.iterator();
                return new java.util.Iterator<>() {
                    @Override public boolean hasNext() { return matches.hasNext(); }
                    @Override public Document next() { return copyDeeply(matches.next()); }
                };
            };
            return new QueryResult(copies, found.getCursorId());
        }
    }

    /**
     * The same copy as Document.cloneDeeply (a profile put a tenth of the database's time in it, most of that in its
     * streams and in looking each key up again): nested Documents, Lists (as ArrayList) and Sets (as LinkedHashSet)
     * are copied, every other value is shared, as cloneDeeply shares it. Built the way cloneDeeply builds them
     * (a Document from the whole original, a LinkedHashSet grown element by element), so that even a copy's
     * Java serialization, which records the hash tables' sizes, is the same (StoredDocumentsTest compares both).
     */
    static Document copyDeeply(Document document) {
        Document copy = new Document(document);
        for (Map.Entry<String, Object> field : copy.entrySet()) {
            Object value = field.getValue();
            if (value instanceof Document || value instanceof Collection) field.setValue(copyOfValue(value));
        }
        return copy;
    }

    private static Object copyOfValue(Object value) {
        if (value instanceof Document document) return copyDeeply(document);
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            for (Object element : list) copy.add(copyOfValue(element));
            return copy;
        }
        if (value instanceof Set<?> set) {
            Set<Object> copy = new LinkedHashSet<>();
            for (Object element : set) copy.add(copyOfValue(element));
            return copy;
        }
        return value;
    }

    /**
     * Stores a collection's documents as BSON instead of H2's default, Java serialization, which cost about a sixth of the
     * server's time under load: every page H2 writes back (about once a second, each page a write touched) and every
     * page it reads from the file went through ObjectOutputStream / ObjectInputStream. BSON is what the documents
     * arrived as, so it round-trips nearly every value they can hold; the few documents it would not give back as
     * they are (bsonCannotKeep, over 16 MiB) keep the old encoding. A BSON value starts with a byte H2 never begins a
     * value with; values written before (Java-serialized) are still read, and are stored as BSON the next time their
     * page is written. A data file once written this way cannot be read by a build from before it.
     */
    static final class BsonDocumentType extends BasicDataType<Document> {
        /** ObjectDataType's type tags are 0..119; a value it wrote always starts with one of them. */
        static final byte BSON = (byte) 0xFF;
        private final ObjectDataType javaSerialized = new ObjectDataType();

        /**
         * What write stores for each document object: the BSON tag and its BSON, or why it is stored Java-serialized.
         * H2 writes every document of a page it writes back, most of them unchanged since its last write, so each is
         * encoded once. That is exact because a Document H2 holds is never changed once stored: an insert stores the
         * object it was given once AbstractMongoCollection.addDocument has set its _id (the index updates after that
         * only read it; the reply and the oplog, which is off, only refer to it); an update, a findAndModify and a
         * $merge into an existing document (a findAndModify) store a changed copy (IdFirstH2Collection.givingCopies),
         * an upsert a new document; the aggregation stages that change what they are given are given copies
         * (IdFirstH2Database.handleCommand); renaming a collection renames its map. One
         * document object may be stored in two collections ($out, $merge) and stored documents may share values (an
         * updateMany's $set): nothing changes those either. The memory backend does not use this type. The bytes go with
         * their document, and add a sixth to a third to what H2's page cache counts a cached document as (memoryOf):
         * room enough, with that cache at 16 MB in a 384 MB heap.
         */
        static final IdentityWeakCache<Object> storedForms = new IdentityWeakCache<>();

        @Override
        public void write(WriteBuffer buffer, Document document) {
            Object stored = storedForms.get(document);
            if (stored == null) {
                stored = storedForm(document);
                storedForms.put(document, stored);
            }
            if (stored instanceof byte[] bson) {
                buffer.put(bson);
            } else {
                storeJavaSerialized(buffer, document, (String) stored);
            }
        }

        /** The bytes write stores for this document, the BSON tag and then its BSON, or why it must be stored Java-serialized. */
        static Object storedForm(Document document) {
            String unfit = bsonCannotKeep(document);
            if (unfit != null) return unfit;
            ByteBuf bson = Unpooled.buffer(256);
            try {
                BsonEncoder.encodeDocument(document, bson);
                // The decoder refuses documents over MongoDB's 16 MiB, which an update can grow one to here.
                if (bson.readableBytes() > MAX_BSON_BYTES) return "it is " + bson.readableBytes() + " bytes as BSON, over 16 MiB";
                byte[] stored = new byte[1 + bson.readableBytes()];
                stored[0] = BSON;
                bson.getBytes(bson.readerIndex(), stored, 1, bson.readableBytes());
                return stored;
            } catch (RuntimeException failure) {
                // H2 would close the whole store over a page it cannot write.
                return "BSON failed with " + failure;
            } finally {
                bson.release();
            }
        }

        static final int MAX_BSON_BYTES = 16 * 1024 * 1024;
        private static final java.util.Set<Object> reported = ConcurrentHashMap.newKeySet();

        /** The way H2 stored every document before: for the few BSON cannot give back as they are. */
        private void storeJavaSerialized(WriteBuffer buffer, Document document, String why) {
            Object id = document.get("_id");
            if (reported.size() < 1000 && reported.add(String.valueOf(id))) {
                System.err.println("[embedded-mongo] the document of _id " + id + " is stored Java-serialized: " + why);
            }
            javaSerialized.write(buffer, document);
        }

        /**
         * Why BSON would not give this document back as it is, or null: BSON keeps time to the millisecond (a
         * $currentDate holds nanoseconds, and the unique index keys keep them) and cannot hold a NUL in a key.
         */
        static String bsonCannotKeep(Object value) {
            if (value instanceof Map<?, ?> map) {
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    if (entry.getKey() instanceof String key && key.indexOf('\0') >= 0) return "a key holds a NUL character";
                    String inside = bsonCannotKeep(entry.getValue());
                    if (inside != null) return inside;
                }
            } else if (value instanceof Collection<?> list) {
                for (Object element : list) {
                    String inside = bsonCannotKeep(element);
                    if (inside != null) return inside;
                }
            } else if (value instanceof Instant instant && instant.getNano() % 1_000_000 != 0) {
                return "a time finer than a millisecond";
            }
            return null;
        }

        /**
         * A document read as BSON keeps the bytes it was read from as what write stores for it: they are what write
         * would make of it, as BsonEncoder writes every value BsonDecoder reads from its bytes as those same bytes
         * (StoredDocumentsTest checks each type), and a page H2 reads is mostly written back unchanged.
         */
        @Override
        public Document read(ByteBuffer buffer) {
            if (buffer.get(buffer.position()) != BSON) return (Document) javaSerialized.read(buffer);
            int length = Integer.reverseBytes(buffer.getInt(buffer.position() + 1));
            byte[] stored = new byte[1 + length];
            buffer.get(stored);
            Document document = BsonDecoder.decodeBson(Unpooled.wrappedBuffer(stored, 1, length));
            storedForms.put(document, stored);
            return document;
        }

        @Override
        public int getMemory(Document document) {
            return memoryOf(document);
        }

        /** H2 sizes its page cache by this estimate of the objects' heap size; a rough one does. */
        static int memoryOf(Object value) {
            if (value instanceof Map<?, ?> map) {
                int size = 48;
                for (Map.Entry<?, ?> entry : map.entrySet()) size += 40 + memoryOf(entry.getKey()) + memoryOf(entry.getValue());
                return size;
            }
            if (value instanceof Collection<?> list) {
                int size = 40;
                for (Object element : list) size += 8 + memoryOf(element);
                return size;
            }
            if (value instanceof String string) return 40 + string.length();
            if (value instanceof byte[] bytes) return 16 + bytes.length;
            return 24;
        }

        @Override
        public Document[] createStorage(int size) {
            return new Document[size];
        }
    }

    /**
     * The keys of a unique index are KeyValue objects, which H2 orders by their Java serialization: it serialized
     * both keys on every comparison of a lookup's binary search, about 40 % of the database's CPU under the
     * webhook benchmark. This orders them exactly the same way (same bytes, same comparison), serializing each key
     * object once: a key read from a page is compared many times while the page stays in H2's cache.
     * That holds only while H2 does order them by their bytes: keyOrderProblem checks it at startup.
     */
    static final class IndexKeyType extends ObjectDataType {
        static final IdentityWeakCache<byte[]> serialized = new IdentityWeakCache<>();

        /** KeyValue; a parameter so that KeyOrderCheckTest can try the startup check on classes H2 orders otherwise. */
        private final Class<?> keyClass;

        IndexKeyType(Class<?> keyClass) {
            this.keyClass = keyClass;
        }

        @Override
        public int compare(Object a, Object b) {
            if (a != b && keyClass.isInstance(a) && keyClass.isInstance(b)) {
                return compareNotNull(serializedOnce(a), serializedOnce(b));
            }
            return super.compare(a, b);
        }

        private static byte[] serializedOnce(Object key) {
            byte[] bytes = serialized.get(key);
            if (bytes == null) {
                bytes = serialize(key);
                serialized.put(key, bytes);
            }
            return bytes;
        }

        /**
         * H2 finds a key in a page with this; BasicDataType's, through compare, looked up the bytes of the key searched
         * for in the cache on every step and put them there first: a new object each lookup, so the cache's table
         * kept growing and being cleared of them (with the comparisons, a sixth of the database's CPU under the webhook
         * benchmark). This takes the same steps to the same answer (the position of the key, else ~ the position it
         * would go to; the first step at initialGuess - 1 when that is in range, else in the middle), with the searched
         * key's bytes made once and kept out of the cache, and each stored key's bytes from the cache, as compare does.
         */
        @Override
        public int binarySearch(Object key, Object storage, int size, int initialGuess) {
            if (!keyClass.isInstance(key)) return super.binarySearch(key, storage, size, initialGuess);
            byte[] keyBytes = searchedFor(key);
            Object[] keys = cast(storage);
            int low = 0;
            int high = size - 1;
            int x = initialGuess - 1;
            if (x < 0 || x > high) x = high >>> 1;
            while (low <= high) {
                int compare = compareSearched(key, keyBytes, keys[x]);
                if (compare > 0) {
                    low = x + 1;
                } else if (compare < 0) {
                    high = x - 1;
                } else {
                    return x;
                }
                x = (low + high) >>> 1;
            }
            return ~low;
        }

        /** compare(key, stored), with the key's bytes at hand. */
        private int compareSearched(Object key, byte[] keyBytes, Object stored) {
            if (key != stored && keyClass.isInstance(stored)) return compareNotNull(keyBytes, serializedOnce(stored));
            return super.compare(key, stored);
        }

        /**
         * A lookup searches one page on each level of the tree for the same key object, so each thread keeps the bytes
         * of the last key it searched for (and that key, which is all it keeps alive).
         */
        private static final ThreadLocal<Searched> lastSearched = new ThreadLocal<>();

        private record Searched(Object key, byte[] bytes) {}

        private static byte[] searchedFor(Object key) {
            Searched last = lastSearched.get();
            if (last != null && last.key == key) return last.bytes;
            byte[] bytes = serialize(key);
            lastSearched.set(new Searched(key, bytes));
            return bytes;
        }

        // write is left to ObjectDataType, though it serializes each key again for every page it writes: writing the
        // cached bytes would store the same bytes, but H2's serialized-object type keeps a running average of the sizes
        // it writes as its estimate of every key's memory, and that estimate (which sizes the page cache and times the
        // background commits) would then stay at its starting 10,000 bytes a key.
    }

    /**
     * Why IndexKeyType would order keys of this class otherwise than H2 itself, or null if it orders them alike. H2
     * compares two objects of a class it has no type of its own for by their serialized bytes, unless the class is
     * Comparable (then it calls compareTo): a mongo-java-server whose KeyValue became Comparable, or an H2 that
     * compares such objects another way, must stop the launcher before it opens an index with IndexKeyType.
     */
    static String keyOrderProblem(Class<?> keyClass, List<?> sampleKeys) {
        if (Comparable.class.isAssignableFrom(keyClass)) {
            return keyClass.getName() + " is Comparable, so H2 orders unique-index keys with its compareTo, not by their serialized bytes";
        }
        IndexKeyType ours = new IndexKeyType(keyClass);
        ObjectDataType h2 = new ObjectDataType();
        for (int i = 0; i < sampleKeys.size(); i++) {
            for (int j = i + 1; j < sampleKeys.size(); j++) {
                Object a = sampleKeys.get(i);
                Object b = sampleKeys.get(j);
                if (Integer.signum(ours.compare(a, b)) != Integer.signum(h2.compare(a, b))) {
                    return "H2 and IndexKeyType order the unique-index keys " + a + " and " + b + " differently";
                }
            }
        }
        return null;
    }

    /**
     * Keys like those of our unique indexes: strings of any length and script, each kind of number, dates, compound
     * keys. Few enough to check every pair in a few dozen milliseconds of startup.
     */
    static List<KeyValue> sampleIndexKeys() {
        List<Object> values = Arrays.asList("", "a", "aa", "b", "Z", "10", "9", "會員", "會員卡", "émoji-😀", "x".repeat(300),
            0, 1, 10, -1, 7L, 1L << 40, 0.5, -2.5, true, false, null, Instant.parse("2026-11-24T10:00:00Z"));
        List<KeyValue> keys = new ArrayList<>();
        for (Object value : values) keys.add(new KeyValue(value));
        keys.addAll(List.of(new KeyValue("line", "U1"), new KeyValue("line", "U10"), new KeyValue("line", "U9"),
            new KeyValue("messenger", "U1"), new KeyValue("m_1", 20261124), new KeyValue(1, "2026-11-24")));
        return keys;
    }

    /**
     * Values worked out once per object and found again by the object's identity, not its equals() (a Document's
     * compares all it holds); an entry goes once its object is garbage collected, and keeps no object alive.
     * Safe to use from any number of threads.
     */
    static final class IdentityWeakCache<V> {
        private final Map<Object, V> values = new ConcurrentHashMap<>();
        private final ReferenceQueue<Object> collected = new ReferenceQueue<>();

        V get(Object object) {
            forgetCollected();
            return values.get(new SameObject(object));
        }

        void put(Object object, V value) {
            forgetCollected();
            values.putIfAbsent(new WeakSameObject(object, collected), value);
        }

        int size() {
            return values.size();
        }

        private void forgetCollected() {
            for (Reference<?> gone; (gone = collected.poll()) != null; ) {
                values.remove(gone);
            }
        }
    }

    /** A lookup key that equals a WeakSameObject of the very same object (identity, not equals()). */
    static final class SameObject {
        final Object object;

        SameObject(Object object) {
            this.object = object;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(object);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof WeakSameObject weak && weak.get() == object;
        }
    }

    /** A cache key that does not keep its object alive; once the object is collected it equals nothing but itself. */
    static final class WeakSameObject extends WeakReference<Object> {
        private final int hash;

        WeakSameObject(Object object, ReferenceQueue<Object> queue) {
            super(object, queue);
            this.hash = System.identityHashCode(object);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            if (other == this) return true;
            Object object = get();
            if (object == null) return false;
            return (other instanceof SameObject same && same.object == object)
                || (other instanceof WeakSameObject weak && weak.get() == object);
        }
    }
}
