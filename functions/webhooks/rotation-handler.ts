import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { Context, SecretsManagerRotationEvent } from 'aws-lambda';
import { newSigningKey, parseSigningSecrets, rotatedSigningSecrets } from '../jobs/domain/webhook-signature.ts';
import { logger, traced, tracingMiddleware } from '#powertools';
import { requireEnv } from '../runtime-config.ts';

/** The one secret this function may rotate: a rotation event for any other is refused. */
const secretId = requireEnv('WEBHOOK_SECRET_ID');
const client = traced(new SecretsManagerClient({}));

async function pendingValue(token: string): Promise<string | undefined> {
  try {
    const { SecretString } = await client.send(
      new GetSecretValueCommand({ SecretId: secretId, VersionId: token, VersionStage: 'AWSPENDING' }),
    );
    return SecretString;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/**
 * Secrets Manager's four rotation steps for the webhook signing secret (`{current, previous?}`):
 * `createSecret` stores a new key as current with the old current as previous (AWSPENDING),
 * `testSecret` checks it parses, `finishSecret` makes it AWSCURRENT. There is nothing to set
 * elsewhere (`setSecret`): receivers read the secret, and both keys verify until the next
 * rotation. Every step is safe to repeat, as Secrets Manager may call it again.
 */
export async function main(event: SecretsManagerRotationEvent, context: Context): Promise<void> {
  if (event.SecretId !== secretId) throw new Error(`This function rotates ${secretId} only, not ${event.SecretId}`);
  const token = event.ClientRequestToken;
  const { VersionIdsToStages = {}, RotationEnabled } = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  const stages = VersionIdsToStages[token];
  if (RotationEnabled === false) throw new Error(`Rotation is not enabled on ${secretId}`);
  if (stages === undefined) throw new Error(`Version ${token} of ${secretId} is not set for rotation`);
  if (!stages.includes('AWSPENDING') && !stages.includes('AWSCURRENT'))
    throw new Error(`Version ${token} of ${secretId} is not AWSPENDING`);
  logger.info('rotation step', { step: event.Step, version: token, requestId: context.awsRequestId });
  // A step called again after the rotation finished has nothing left to do.
  if (stages.includes('AWSCURRENT')) return;
  switch (event.Step) {
    case 'createSecret': {
      if ((await pendingValue(token)) !== undefined) return;
      const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
      const next = rotatedSigningSecrets(parseSigningSecrets(SecretString), newSigningKey());
      await client.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          ClientRequestToken: token,
          SecretString: JSON.stringify(next),
          VersionStages: ['AWSPENDING'],
        }),
      );
      return;
    }
    case 'setSecret':
      return;
    case 'testSecret': {
      parseSigningSecrets(await pendingValue(token));
      return;
    }
    case 'finishSecret': {
      const current = Object.entries(VersionIdsToStages).find(([, versionStages]) => versionStages.includes('AWSCURRENT'))?.[0];
      await client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: token,
          ...(current === undefined ? {} : { RemoveFromVersionId: current }),
        }),
      );
      return;
    }
    default:
      throw new Error(`Unknown rotation step ${String(event.Step)}`);
  }
}

export const handler = middy(main).use(injectLambdaContext(logger, { clearState: true }));
if (tracingMiddleware !== undefined) handler.use(tracingMiddleware);
