import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.h2.mvstore.MVMap;

/**
 * H2 writes pages to the file on a background thread, reading the very document objects its maps hold; an update
 * must therefore never change a stored document in place (EmbeddedMongo.IdFirstH2Collection). Checks it on the
 * objects themselves, which a test through the wire protocol cannot see. Compiled and run by
 * test/integration/embedded-document-storage.test.ts; prints what failed and exits 1.
 */
public final class StoredDocumentsTest {
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("stored-documents-");
        EmbeddedMongo.IdFirstH2Backend backend = new EmbeddedMongo.IdFirstH2Backend(dir.resolve("mongo.mv.db").toString());
        Channel channel = new EmbeddedChannel();
        try {
            backend.handleCommand(channel, "app", "insert", new Document("insert", "things")
                .append("documents", List.of(new Document("_id", "a").append("x", 1).append("list", new ArrayList<>(List.of(1, 2))))));
            MVMap<Object, Document> stored = backend.getMvStore().openMap("databases.app.things");
            StringBuilder failures = new StringBuilder();

            Document inserted = stored.get("a");
            Document beforeUpdate = inserted.cloneDeeply();
            backend.handleCommand(channel, "app", "update", new Document("update", "things").append("updates", List.of(new Document("q", new Document("_id", "a"))
                .append("u", new Document("$set", new Document("y", 2)).append("$unset", new Document("x", "")).append("$push", new Document("list", 3))))));
            if (!inserted.equals(beforeUpdate)) failures.append("an update changed the stored document in place: ").append(beforeUpdate).append(" became ").append(inserted).append('\n');

            Document updated = stored.get("a");
            Document beforeFindAndModify = updated.cloneDeeply();
            backend.handleCommand(channel, "app", "findAndModify", new Document("findAndModify", "things").append("query", new Document("_id", "a"))
                .append("update", new Document("$inc", new Document("y", 1))).append("new", true));
            if (!updated.equals(beforeFindAndModify)) failures.append("findAndModify changed the stored document in place: ").append(beforeFindAndModify).append(" became ").append(updated).append('\n');

            Document now = stored.get("a");
            Document expected = new Document("_id", "a").append("list", List.of(1, 2, 3)).append("y", 3);
            if (!now.equals(expected)) failures.append("the stored document is ").append(now).append(", expected ").append(expected).append('\n');
            if (failures.length() > 0) {
                System.out.print(failures);
                System.exit(1);
            }
            System.out.println("ok");
        } finally {
            backend.close();
        }
    }
}
