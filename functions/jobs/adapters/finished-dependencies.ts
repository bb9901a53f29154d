import type { Job } from '../domain/job.ts';
import { dependencyOutcome } from '../domain/dependencies.ts';
import { statusOf, type ItemChange } from './job-counts.ts';

/**
 * The jobs of a run of table changes that just finished (completed, failed or cancelled) and
 * that other jobs wait on (`hasDependents`): only these look their waiting jobs up.
 */
export function finishedDependenciesOf(changes: readonly ItemChange[]): Pick<Job, 'jobId' | 'owner' | 'status'>[] {
  return changes.flatMap((change) => {
    const after = change.dynamodb?.NewImage;
    const status = statusOf(after);
    if (status === undefined || dependencyOutcome(status) === undefined || statusOf(change.dynamodb?.OldImage) === status) return [];
    if (after?.hasDependents?.BOOL !== true) return [];
    const jobId = after.sk?.S;
    const owner = after.owner?.S;
    return jobId === undefined || owner === undefined ? [] : [{ jobId, owner, status }];
  });
}
