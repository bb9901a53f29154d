import com.almworks.sqlite4java.SQLiteConnection;
import com.almworks.sqlite4java.SQLiteJob;
import com.almworks.sqlite4java.SQLiteQueue;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;
import software.amazon.dynamodb.services.local.shared.access.sqlite.SQLiteDBAccess;

/**
 * Runs DynamoDB Local from the same command-line arguments as its own main, with what it has no
 * option for: its HTTP connector listens on 127.0.0.1 only (its Jetty server binds every
 * interface); it exits when its standard input closes, which happens when the process that
 * started it ends, however it ends (even SIGKILL), so it never outlives the local platform; its
 * stream records get two indexes with statistics (see {@link #STREAM_RECORD_INDEXES}); and its
 * commits do not wait for the disk (see {@link #NO_DISK_SYNC}).
 */
public final class LoopbackDynamoDbLocal {
  private LoopbackDynamoDbLocal() {}

  /**
   * DynamoDB Local keeps the stream records of every table in one SQLite table (`us`) whose only
   * key is the sequence number, and finds a shard's records by scanning it from the start. The
   * first stream table's records come first, so that table stays fast; every stream table created
   * after it scans past all the records before its own (a deleted table's too: they are kept 24 h).
   * Its writes fell from about 1,000/s to 25/s behind 17,000 earlier records, on 2 cores. Indexed by
   * shard and by stream, in sequence order, the lookup is direct. They are created on DynamoDB
   * Local's own connection, so an in-memory database gets them too.
   *
   * <p>GetRecords reads `StreamID = ? AND ShardID = ? AND SequenceNumber >= ?`. DynamoDB Local's
   * SQLite (3.8.7) cannot range over the sequence number inside these indexes (it is the rowid),
   * so with them and no statistics it takes every record of the stream and filters: a poll at the
   * end of a shard cost 44 ms behind 17,000 records, and polls come every 100 ms on the one
   * thread that serves every request. The statistics say a shard or stream matches half the
   * records, so GetRecords ranges over the rowid instead (0.05 ms), while the lookups of a
   * shard's first and last records still use the shard index. `ANALYZE sqlite_master` creates
   * the statistics table and then loads what was written to it.
   */
  private static final String STREAM_RECORD_INDEXES =
      "CREATE INDEX IF NOT EXISTS \"us*ShardSequence\" ON us (ShardID, SequenceNumber);"
          + "CREATE INDEX IF NOT EXISTS \"us*StreamSequence\" ON us (StreamID, SequenceNumber);"
          + "ANALYZE sqlite_master;"
          + "DELETE FROM sqlite_stat1 WHERE tbl = 'us';"
          + "INSERT INTO sqlite_stat1 VALUES ('us', 'us*ShardSequence', '1000000 500000 1'),"
          + " ('us', 'us*StreamSequence', '1000000 500000 1');"
          + "ANALYZE sqlite_master;";

  /**
   * DynamoDB Local commits every request as its own SQLite transaction, and with a data dir
   * (`npm start`) each commit waited for the disk: under load its one thread spent most of its
   * time in COMMIT. Without the sync a stopped or killed platform still loses nothing (the
   * writes are in the operating system's hands); only a machine crash or power cut in the
   * middle of a write could damage the local database, which `--reset` recreates.
   */
  private static final String NO_DISK_SYNC = "PRAGMA synchronous = OFF;";

  /** The line the platform waits for on standard output; a failure prints this prefix with the reason instead. */
  private static final String INDEXED = "stream records indexed";
  private static final String NOT_INDEXED = "stream records not indexed: ";

  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    for (Connector connector : ((Server) field.get(proxy)).getConnectors()) {
      ((ServerConnector) connector).setHost("127.0.0.1");
    }
    Thread parentWatch = new Thread(() -> {
      try {
        while (System.in.read() != -1) {
          // Nothing is ever written; the read returns -1 once the parent's end closes.
        }
      } catch (Exception ignored) {
        // A broken pipe means the same as end of input.
      }
      System.exit(0);
    }, "parent-watch");
    parentWatch.setDaemon(true);
    parentWatch.start();
    proxy.start();
    Thread indexer = new Thread(() -> indexStreamRecords(proxy), "stream-record-indexer");
    indexer.setDaemon(true);
    indexer.start();
    proxy.join();
  }

  /**
   * DynamoDB Local opens its database at its first request (the platform's readiness probe), so
   * this looks for it for up to 30 s, then tunes its connection on its job queue: no disk sync,
   * then the stream-record indexes and their statistics.
   */
  private static void indexStreamRecords(DynamoDBProxyServer proxy) {
    long deadline = System.currentTimeMillis() + 30_000;
    Throwable lastError = null;
    for (;;) {
      try {
        SQLiteDBAccess database = find(proxy, SQLiteDBAccess.class);
        if (database != null) {
          Field queueField = SQLiteDBAccess.class.getDeclaredField("queue");
          queueField.setAccessible(true);
          SQLiteQueue queue = (SQLiteQueue) queueField.get(database);
          queue.execute(new SQLiteJob<Void>() {
            @Override
            protected Void job(SQLiteConnection connection) throws Throwable {
              connection.exec(NO_DISK_SYNC);
              connection.exec(STREAM_RECORD_INDEXES);
              return null;
            }
          }).get();
          System.out.println(INDEXED);
          System.out.flush();
          return;
        }
      } catch (Throwable error) {
        // A map changing under the walk, or the metadata tables not made yet: look again.
        lastError = error;
      }
      if (System.currentTimeMillis() > deadline) {
        if (lastError != null) lastError.printStackTrace();
        System.out.println(NOT_INDEXED + (lastError == null ? "no database opened within 30 s" : lastError.toString()));
        System.out.flush();
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException interrupted) {
        return;
      }
    }
  }

  /**
   * The first object of type `wanted` reachable from `root` through the fields of DynamoDB Local's
   * own classes and the maps and collections they hold: its database object is private, some
   * handlers deep, and the path differs between releases.
   */
  private static <T> T find(Object root, Class<T> wanted) throws IllegalAccessException {
    Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    ArrayDeque<Object> pending = new ArrayDeque<>();
    pending.add(root);
    while (!pending.isEmpty()) {
      Object object = pending.poll();
      if (!seen.add(object)) continue;
      if (wanted.isInstance(object)) return wanted.cast(object);
      if (object instanceof Map<?, ?> map) {
        for (Object value : map.values()) if (value != null) pending.add(value);
        continue;
      }
      if (object instanceof Collection<?> collection) {
        for (Object element : collection) if (element != null) pending.add(element);
        continue;
      }
      for (Class<?> type = object.getClass(); type != null && type.getName().startsWith("software.amazon.dynamodb."); type = type.getSuperclass()) {
        for (Field field : type.getDeclaredFields()) {
          if (Modifier.isStatic(field.getModifiers()) || field.getType().isPrimitive()) continue;
          field.setAccessible(true);
          Object value = field.get(object);
          if (value != null) pending.add(value);
        }
      }
    }
    return null;
  }
}
