import de.bwaldvogel.mongo.backend.KeyValue;
import java.util.List;

/**
 * The launcher's startup check that H2 still orders unique-index keys as IndexKeyType does. A mongo-java-server
 * whose KeyValue breaks that cannot be had, so stand-ins play it: a Comparable class, and one H2 does not compare
 * by its bytes. Compiled and run by test/integration/embedded-database.test.ts; prints what failed and exits 1.
 */
public final class KeyOrderCheckTest {
    private static int failures = 0;

    public static void main(String[] args) {
        expectNoProblem(EmbeddedMongo.keyOrderProblem(KeyValue.class, EmbeddedMongo.sampleIndexKeys()));
        // H2 would call compareTo, which puts "aa" before "b"; their serialized bytes put "b" first (shorter).
        expectProblem(
            EmbeddedMongo.keyOrderProblem(StringBuilder.class, List.of(new StringBuilder("b"), new StringBuilder("aa"))),
            "java.lang.StringBuilder is Comparable");
        // H2 compares arrays element by element; their serialized bytes put the shorter first.
        expectProblem(
            EmbeddedMongo.keyOrderProblem(int[].class, List.of(new int[] {2}, new int[] {1, 1})),
            "H2 and IndexKeyType order the unique-index keys");
        if (failures > 0) System.exit(1);
        System.out.println("ok");
    }

    private static void expectNoProblem(String problem) {
        if (problem != null) fail("the installed mongo-java-server and H2: expected no problem, got: " + problem);
    }

    private static void expectProblem(String problem, String expected) {
        if (problem == null || !problem.contains(expected)) fail("expected a problem saying \"" + expected + "\", got: " + problem);
    }

    private static void fail(String message) {
        failures++;
        System.out.println("FAILED " + message);
    }
}
