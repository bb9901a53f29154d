import { beforeAll, describe, expect, it } from 'vitest';
import { UnknownJobTypeError } from '../../functions/jobs/domain/errors.ts';
import { parseSubmission } from '../../functions/jobs/domain/submission.ts';
import { platformRuntimeConfig } from '../../functions/runtime-config.ts';
import { synthesizePlatform } from '../helpers/synth.ts';

/**
 * The API function's environment as the synthesized template sets it; values CloudFormation
 * resolves at deploy (a queue URL, a table name) become placeholders.
 */
function apiFunctionEnvironment(environmentName: string): NodeJS.ProcessEnv {
  const { template } = synthesizePlatform(environmentName);
  const functions = Object.entries(template.findResources('AWS::Lambda::Function')) as [string, any][];
  const api = functions.find(([logicalId]) => logicalId.startsWith('ApiFunction'));
  if (api === undefined) throw new Error(`no API function in the ${environmentName} template`);
  const variables = api[1].Properties.Environment.Variables as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [name, typeof value === 'string' ? value : `resolved-${name}`]),
  );
}

const drills = [
  { type: 'crash', payload: { mode: 'exit' } },
  { type: 'flaky', payload: { failTimes: 1 } },
];

describe.each(['staging', 'prod'])('drill job types with the %s config', (environmentName) => {
  let drillJobTypes: boolean;
  beforeAll(() => {
    drillJobTypes = platformRuntimeConfig(apiFunctionEnvironment(environmentName)).drillJobTypes;
  });

  it.each(drills)('refuses a $type job with 400 UNKNOWN_JOB_TYPE, so no caller can take down its workers', (body) => {
    // Act
    const parse = () => parseSubmission(body, { drillJobTypes });

    // Assess
    expect(parse).toThrow(UnknownJobTypeError);
    expect(parse).toThrow(`Unknown job type '${body.type}'`);
  });

  it('does not list the drill types among the known types', () => {
    // Act
    const error = (() => {
      try {
        parseSubmission({ type: 'teleport', payload: {} }, { drillJobTypes });
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('expected an UnknownJobTypeError');
    })();

    // Assess
    expect(error.message).toContain('echo');
    expect(error.message).not.toMatch(/crash|flaky/);
  });
});

describe('drill job types with the dev config', () => {
  it.each(drills)('accepts a $type job, for drills and demos', (body) => {
    // Prepare
    const { drillJobTypes } = platformRuntimeConfig(apiFunctionEnvironment('dev'));

    // Act
    const submission = parseSubmission(body, { drillJobTypes });

    // Assess
    expect(submission.type).toBe(body.type);
  });
});
