import de.bwaldvogel.mongo.backend.KeyValue;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.h2.mvstore.type.ObjectDataType;

/**
 * The launcher's startup check that H2 still orders unique-index keys as IndexKeyType does. A mongo-java-server
 * whose KeyValue breaks that cannot be had, so stand-ins play it: a Comparable class, and one H2 does not compare
 * by its bytes. And IndexKeyType's own binary search, which must answer as H2's does. Compiled and run by
 * test/integration/embedded-database.test.ts; prints what failed and exits 1.
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
        binarySearchAnswersAsH2s();
        searchedKeysAreNotRemembered();
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

    /** A key like one of our unique indexes' (or, now and then, a value H2 would compare its own way), from few enough values to repeat. */
    private static Object randomKey(Random random, boolean onlyKeyValues) {
        int kind = random.nextInt(onlyKeyValues ? 6 : 8);
        return switch (kind) {
            case 0 -> new KeyValue("k" + random.nextInt(300));
            case 1 -> new KeyValue(random.nextInt(300) - 150);
            case 2 -> new KeyValue((long) random.nextInt(300) << random.nextInt(40));
            case 3 -> new KeyValue(random.nextInt(4) == 0 ? null : "會員" + "x".repeat(random.nextInt(20)));
            case 4 -> new KeyValue(random.nextBoolean() ? "line" : "messenger", "U" + random.nextInt(100));
            case 5 -> new KeyValue(Instant.ofEpochMilli(random.nextInt(1000)), random.nextDouble() < 0.5 ? 0.5 : -2.5);
            case 6 -> "s" + random.nextInt(50);
            default -> random.nextInt(50);
        };
    }

    /** A copy that equals the key but is another object, as a lookup's key is. */
    private static Object copyOf(Object key) {
        return key instanceof KeyValue keyValue ? new KeyValue(keyValue.stream().toList()) : key instanceof String string ? new String(string) : key;
    }

    /**
     * On sorted pages of every size from none to a full one and more, for keys on the page (the stored object itself,
     * or an equal one) and keys between and beyond them, from every kind of first guess: the position H2's own
     * binary search answers (ObjectDataType, which serializes both keys at every step), also for keys that are not
     * KeyValues, which it leaves to H2. The page's array may be longer than its keys. On a sorted page of distinct
     * keys any way of searching gives one answer; so some pages hold keys twice or out of order (H2's never do),
     * where only the same steps from the same first guess give the same answer.
     */
    private static void binarySearchAnswersAsH2s() {
        EmbeddedMongo.IndexKeyType ours = new EmbeddedMongo.IndexKeyType(KeyValue.class);
        ObjectDataType h2 = new ObjectDataType();
        Random random = new Random(20261124);
        int searches = 0;
        for (int page = 0; page < 60; page++) {
            boolean onlyKeyValues = page % 4 != 3;
            int size = page < 6 ? page : random.nextInt(page % 5 == 0 ? 120 : 50);
            boolean wellFormed = page % 6 != 5;
            List<Object> keys = new ArrayList<>();
            while (keys.size() < size) {
                Object key = randomKey(random, onlyKeyValues);
                if (!wellFormed || keys.stream().noneMatch(other -> h2.compare(key, other) == 0)) keys.add(key);
            }
            keys.sort(h2::compare);
            if (!wellFormed && page % 12 == 11) java.util.Collections.shuffle(keys, random);
            Object[] storage = Arrays.copyOf(keys.toArray(), size + (page % 3 == 0 ? 7 : 0));
            List<Object> searched = new ArrayList<>(keys);
            for (Object key : keys) searched.add(copyOf(key));
            for (int i = 0; i < 20; i++) searched.add(randomKey(random, onlyKeyValues));
            for (Object key : searched) {
                List<Integer> guesses = new ArrayList<>(List.of(Integer.MIN_VALUE, -1, 0, 1, 2, size / 2, size - 1, size, size + 1, size + 2, Integer.MAX_VALUE));
                guesses.add(random.nextInt(size + 3));
                for (int guess : guesses) {
                    int expected = h2.binarySearch(key, storage, size, guess);
                    int actual = ours.binarySearch(key, storage, size, guess);
                    searches++;
                    if (actual != expected) {
                        fail("binarySearch of " + key + " from guess " + guess + " in " + keys + " answered " + actual + ", H2 " + expected);
                        return;
                    }
                }
            }
        }
        if (searches < 10_000) fail("only " + searches + " searches were compared");
    }

    /** The key searched for, a new object each lookup, is not remembered with the stored keys' bytes. */
    private static void searchedKeysAreNotRemembered() {
        EmbeddedMongo.IndexKeyType ours = new EmbeddedMongo.IndexKeyType(KeyValue.class);
        Object[] storage = {new KeyValue("a"), new KeyValue("b"), new KeyValue("c")};
        for (int i = 0; i < 3; i++) {
            KeyValue lookup = new KeyValue(i == 0 ? "b" : i == 1 ? "bb" : "z");
            ours.binarySearch(lookup, storage, storage.length, 0);
            if (EmbeddedMongo.IndexKeyType.serialized.get(lookup) != null) fail("the bytes of the key searched for, " + lookup + ", were remembered");
        }
        if (EmbeddedMongo.IndexKeyType.serialized.get(storage[1]) == null) fail("the bytes of the stored key b were not remembered");
    }
}
