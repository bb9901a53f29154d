/**
 * A local stand-in for Secrets Manager, holding the environment's webhook signing secret: it
 * answers the calls the deliverer and the rotation function make (GetSecretValue,
 * DescribeSecret, PutSecretValue, UpdateSecretVersionStage) in the AWS JSON protocol, as the SDK
 * sends them to `AWS_ENDPOINT_URL_SECRETS_MANAGER`, and keeps the versions in a JSON file of
 * the data dir, so the secret a receiver was given survives `npm start` restarts.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AwsJsonError, startAwsJsonServer } from './aws-json-server.ts';
import type { RunningService } from './dynamodb-local.ts';

interface StoredVersion {
  /** Unset on the version a rotation has just begun, until its createSecret step stores it. */
  value?: string;
  stages: string[];
}

interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  versions: Record<string, StoredVersion>;
}

export interface LocalSecretsManager extends RunningService {
  readonly secretArn: string;
  /** The value of the AWSCURRENT version. */
  currentValue(): string;
  /**
   * What RotateSecret does before it invokes the rotation function: a new version id staged
   * AWSPENDING, with no value yet. Returns that id, the steps' `ClientRequestToken`.
   */
  beginRotation(): string;
}

/**
 * Starts the twin with one secret, `name`; `initialValue` makes its first version when the file
 * holds none yet.
 */
export async function startLocalSecretsManager(options: {
  file: string;
  name: string;
  region: string;
  account: string;
  initialValue: () => string;
}): Promise<LocalSecretsManager> {
  mkdirSync(dirname(options.file), { recursive: true });
  const arn = `arn:aws:secretsmanager:${options.region}:${options.account}:secret:${options.name}-local0`;
  const stored: StoredSecret = existsSync(options.file)
    ? (JSON.parse(readFileSync(options.file, 'utf8')) as StoredSecret)
    : { name: options.name, arn, versions: { [randomUUID()]: { value: options.initialValue(), stages: ['AWSCURRENT'] } } };
  const save = () => writeFileSync(options.file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  save();

  const versionWith = (stage: string) => Object.entries(stored.versions).find(([, version]) => version.stages.includes(stage));
  /** The request fields the twin reads (Secrets Manager API reference). */
  interface Request {
    readonly SecretId?: string;
    readonly VersionId?: string;
    readonly VersionStage?: string;
    readonly VersionStages?: string[];
    readonly ClientRequestToken?: string;
    readonly SecretString?: string;
    readonly MoveToVersionId?: string;
    readonly RemoveFromVersionId?: string;
  }
  const operations: Record<string, (body: Request) => unknown> = {
    GetSecretValue: (body) => {
      const found =
        body.VersionId === undefined
          ? versionWith(body.VersionStage ?? 'AWSCURRENT')
          : ([body.VersionId, stored.versions[body.VersionId]] as const);
      const [versionId, version] = found ?? [];
      if (
        versionId === undefined ||
        version?.value === undefined ||
        (body.VersionStage !== undefined && !version.stages.includes(body.VersionStage))
      ) {
        throw new AwsJsonError(
          'ResourceNotFoundException',
          "Secrets Manager can't find the specified secret value for staging label or version.",
        );
      }
      return { ARN: stored.arn, Name: stored.name, VersionId: versionId, SecretString: version.value, VersionStages: version.stages };
    },
    DescribeSecret: () => ({
      ARN: stored.arn,
      Name: stored.name,
      RotationEnabled: true,
      VersionIdsToStages: Object.fromEntries(Object.entries(stored.versions).map(([id, version]) => [id, version.stages])),
    }),
    PutSecretValue: (body) => {
      const versionId = String(body.ClientRequestToken ?? randomUUID());
      const stages = (body.VersionStages as string[] | undefined) ?? ['AWSCURRENT'];
      const existing = stored.versions[versionId];
      if (existing?.value !== undefined) return { ARN: stored.arn, Name: stored.name, VersionId: versionId, VersionStages: stages };
      for (const version of Object.values(stored.versions)) version.stages = version.stages.filter((stage) => !stages.includes(stage));
      stored.versions[versionId] = { value: String(body.SecretString), stages };
      return { ARN: stored.arn, Name: stored.name, VersionId: versionId, VersionStages: stages };
    },
    UpdateSecretVersionStage: (body) => {
      const stage = String(body.VersionStage);
      const target = stored.versions[String(body.MoveToVersionId)];
      if (target === undefined) throw new AwsJsonError('ResourceNotFoundException', `No version ${body.MoveToVersionId}`);
      for (const [id, version] of Object.entries(stored.versions)) {
        if (id !== body.MoveToVersionId && version.stages.includes(stage)) {
          if (body.RemoveFromVersionId !== id)
            throw new AwsJsonError('InvalidParameterException', `${stage} is on version ${id}: name it in RemoveFromVersionId`);
          version.stages = version.stages.filter((candidate) => candidate !== stage);
          // As Secrets Manager does: the version that was current becomes AWSPREVIOUS.
          if (stage === 'AWSCURRENT') {
            for (const other of Object.values(stored.versions))
              other.stages = other.stages.filter((candidate) => candidate !== 'AWSPREVIOUS');
            version.stages.push('AWSPREVIOUS');
          }
        }
      }
      target.stages = [...target.stages.filter((candidate) => candidate !== 'AWSPENDING' || stage !== 'AWSCURRENT'), stage];
      // Versions with no stage left are dropped, as Secrets Manager deprecates them.
      for (const [id, version] of Object.entries(stored.versions)) if (version.stages.length === 0) delete stored.versions[id];
      return { ARN: stored.arn, Name: stored.name };
    },
  };

  const service = await startAwsJsonServer((target, request) => {
    const operation = target.replace(/^secretsmanager\./, '');
    const handle = operations[operation];
    if (handle === undefined) throw new AwsJsonError('UnknownOperationException', `The local Secrets Manager does not serve ${operation}`);
    const body = request as Request;
    if (body.SecretId !== stored.name && body.SecretId !== stored.arn) {
      throw new AwsJsonError('ResourceNotFoundException', `Secrets Manager can't find the specified secret (${String(body.SecretId)}).`);
    }
    const result = handle(body);
    save();
    return result;
  });
  return {
    ...service,
    secretArn: stored.arn,
    currentValue: () => versionWith('AWSCURRENT')?.[1].value ?? '',
    beginRotation: () => {
      const token = randomUUID();
      for (const version of Object.values(stored.versions)) version.stages = version.stages.filter((stage) => stage !== 'AWSPENDING');
      stored.versions[token] = { stages: ['AWSPENDING'] };
      save();
      return token;
    },
  };
}
