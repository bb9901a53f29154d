import { setTimeout as sleep } from 'node:timers/promises';

/** The SQLite file DynamoDB Local keeps under `-dbPath` when started with `-sharedDb`. */
export const SHARED_DB_FILE = 'shared-local-instance.db';

/**
 * DynamoDB Local keeps the stream records of every table in one SQLite table (`us`) whose only key
 * is the sequence number, and finds a shard's records by scanning it from the start. The records of
 * the first stream table come first, so that table stays fast; every stream table created after it
 * scans past all the records before its own (a deleted table's too: they are kept for 24 h). Its
 * writes fell from about 1,000/s to 25/s behind 17,000 earlier records, measured on 2 cores; the
 * integration suite creates a job table per file on one server, so each file ran slower than the
 * last. Indexing the records by shard and by stream, in sequence order, makes the lookup direct
 * (1,000/s again, behind the same records). DynamoDB Local sees the new indexes at its next
 * statement: SQLite re-prepares statements whose schema changed.
 *
 * Returns why it could not, or undefined once the indexes exist.
 */
export async function indexStreamRecords(databaseFile: string, timeoutMs = 10_000): Promise<string | undefined> {
  let sqlite: typeof import('node:sqlite');
  try {
    sqlite = await import('node:sqlite');
  } catch {
    return `node:sqlite is not available in Node.js ${process.version}`;
  }
  const database = new sqlite.DatabaseSync(databaseFile);
  try {
    database.exec('PRAGMA busy_timeout = 5000');
    // DynamoDB Local creates its own tables once it serves its first request; wait for them.
    const deadline = Date.now() + timeoutMs;
    const streamRecords = database.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'us'");
    while (streamRecords.get() === undefined) {
      if (Date.now() > deadline) return `DynamoDB Local made no stream-record table in ${databaseFile} within ${timeoutMs} ms`;
      await sleep(50);
    }
    database.exec(
      'CREATE INDEX IF NOT EXISTS "us*ShardSequence" ON us (ShardID, SequenceNumber);' +
        'CREATE INDEX IF NOT EXISTS "us*StreamSequence" ON us (StreamID, SequenceNumber);',
    );
    return undefined;
  } finally {
    database.close();
  }
}
