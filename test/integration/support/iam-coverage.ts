import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEnvironment } from '../../../lib/config/environments.ts';
import { resourceNames } from '../../../lib/config/resource-names.ts';
import { LOCAL_REGION } from '../../../local/services/local-aws.ts';
import { deniedCalls, exportsOf, roleOfFunction, type CfnTemplate, type RecordedCall } from '../../helpers/iam-policy-check.ts';
import { synthesizeConfig } from '../../helpers/synth.ts';

const RECORDER = fileURLToPath(new URL('./aws-call-recorder.ts', import.meta.url));

/** The variable naming the file every local function process appends its AWS calls to. */
const RECORD_FILE_VARIABLE = 'AWS_CALL_RECORD_FILE';

/** Creates the record file for this run and exports its path to the test files' processes. */
export function startRecordingAwsCalls(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'jobs-aws-calls-')), 'calls.jsonl');
  appendFileSync(file, '');
  process.env[RECORD_FILE_VARIABLE] = file;
  return file;
}

/** The function environment that makes a local platform's processes record their AWS calls. */
export function recordingFunctionEnv(): Record<string, string> {
  const file = process.env[RECORD_FILE_VARIABLE];
  if (file === undefined) return {};
  return { NODE_OPTIONS: `--enable-source-maps --import ${RECORDER}`, [RECORD_FILE_VARIABLE]: file };
}

type Recorded = RecordedCall & { readonly table?: string };

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/**
 * Holds every recorded call against the IAM policy that the synthesized stacks give its
 * function (or the chunk task's role), for the platform it came from; returns one line per
 * call IAM would refuse. A platform is synthesized with the staging settings (both stacks) under
 * its own name, so resource names match the local ones.
 */
export function uncoveredAwsCalls(file: string): string[] {
  const calls = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Recorded);
  const byPlatform = groupBy(calls, (call) => /^jobs-(.+)-jobs$/.exec(call.table ?? '')?.[1] ?? '(unknown platform)');
  const problems: string[] = [];
  for (const [environmentName, platformCalls] of byPlatform) {
    const names = resourceNames(environmentName);
    const { template, longJobs } = synthesizeConfig({ ...loadEnvironment('staging'), name: environmentName });
    const base = { partition: 'aws', region: LOCAL_REGION, account: '000000000000', generatedNames: { OutputsBucket: names.outputBucket } };
    const context = { ...base, exports: exportsOf(template.toJSON() as CfnTemplate, base) };
    for (const [caller, callerCalls] of groupBy(platformCalls, (call) => call.caller)) {
      const candidates = [template, longJobs?.template]
        .filter((candidate) => candidate !== undefined)
        .map((candidate) => candidate.toJSON() as CfnTemplate);
      const owner = candidates
        .map((candidate) => ({
          candidate,
          role:
            caller === 'jobs-chunk-task'
              ? Object.keys(candidate.Resources).find((id) => id.startsWith('ChunkTaskTaskDefinitionTaskRole'))
              : roleOfFunction(candidate, caller),
        }))
        .find(({ role }) => role !== undefined);
      if (owner?.role === undefined) {
        problems.push(`${caller} (${environmentName}): no function or role of that name in the synthesized templates`);
        continue;
      }
      for (const denied of deniedCalls(callerCalls, owner.candidate, owner.role, context)) problems.push(`${caller}: ${denied}`);
    }
  }
  return problems;
}
