import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Runs mongo-java-server on 127.0.0.1 for the bot server and the test suite.
 *
 * Usage: EmbeddedMongo (memory | h2 FILE) [PORT]
 * Prints "LISTENING <port>" once it accepts connections. Stops on SIGTERM, and when its standard
 * input closes, so a parent that dies without cleaning up (SIGKILL) never leaves it running.
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
        MongoBackend backend = h2 ? new H2Backend(args[1]) : new MemoryBackend();
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
}
