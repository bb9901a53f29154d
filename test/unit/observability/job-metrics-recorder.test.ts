import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { JOB_METRICS, JOB_TYPE_DIMENSION } from '../../../functions/observability/job-metrics.ts';
import { JobMetricsRecorder } from '../../../functions/observability/job-metrics-recorder.ts';

interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  [key: string]: unknown;
}

describe('JobMetricsRecorder', () => {
  // Powertools prints each EMF document with its own Console bound to process.stdout.
  let stdout: MockInstance<typeof process.stdout.write>;

  /** The EMF documents printed so far, parsed. */
  const documents = (): EmfDocument[] =>
    stdout.mock.calls
      .map(([chunk]) => String(chunk).trim())
      .filter((line) => line.startsWith('{') && line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as EmfDocument);

  const documentOf = (jobType: string): EmfDocument | undefined => documents().find((document) => document[JOB_TYPE_DIMENSION] === jobType);

  function newMetrics(): Metrics {
    return new Metrics({ namespace: 'Test', serviceName: 'x' });
  }

  beforeEach(() => {
    // Dev mode would print through the global console, and disable metrics unless told otherwise.
    vi.stubEnv('POWERTOOLS_DEV', 'false');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });

  afterEach(() => {
    stdout.mockRestore();
    vi.unstubAllEnvs();
  });

  it('publishes one EMF document per job type, each with the JobType dimension', () => {
    // Prepare
    const recorder = new JobMetricsRecorder();
    recorder.record('echo', JOB_METRICS.started);
    recorder.record('flaky', JOB_METRICS.retried);
    recorder.record('email', JOB_METRICS.completed);

    // Act
    recorder.publish(newMetrics());

    // Assess
    const printed = documents();
    expect(printed.map((document) => document[JOB_TYPE_DIMENSION]).sort()).toEqual(['echo', 'email', 'flaky']);
    for (const document of printed) {
      const [directive] = document._aws.CloudWatchMetrics;
      expect(directive?.Namespace).toBe('Test');
      expect(directive?.Dimensions).toEqual([['service', JOB_TYPE_DIMENSION]]);
      expect(document.service).toBe('x');
    }
  });

  it('sums counts of one type into one value', () => {
    // Prepare
    const recorder = new JobMetricsRecorder();
    recorder.record('echo', JOB_METRICS.started);
    recorder.record('echo', JOB_METRICS.started);
    recorder.record('echo', JOB_METRICS.completed);
    recorder.record('echo', JOB_METRICS.started);

    // Act
    recorder.publish(newMetrics());

    // Assess
    const echo = documentOf('echo');
    expect(echo?.[JOB_METRICS.started]).toBe(3);
    expect(echo?.[JOB_METRICS.completed]).toBe(1);
    expect(echo?._aws.CloudWatchMetrics[0]?.Metrics).toContainEqual({ Name: JOB_METRICS.started, Unit: 'Count' });
  });

  it('keeps every duration and queue wait as its own value, in milliseconds', () => {
    // Prepare
    const recorder = new JobMetricsRecorder();
    recorder.record('sleep', JOB_METRICS.duration, 120);
    recorder.record('sleep', JOB_METRICS.duration, 80);
    recorder.record('sleep', JOB_METRICS.queueWait, 15);

    // Act
    recorder.publish(newMetrics());

    // Assess
    const sleep = documentOf('sleep');
    expect(sleep?.[JOB_METRICS.duration]).toEqual([120, 80]);
    expect(sleep?.[JOB_METRICS.queueWait]).toBe(15);
    expect(sleep?._aws.CloudWatchMetrics[0]?.Metrics).toEqual(
      expect.arrayContaining([
        { Name: JOB_METRICS.duration, Unit: 'Milliseconds' },
        { Name: JOB_METRICS.queueWait, Unit: 'Milliseconds' },
      ]),
    );
  });

  it("keeps each type's metrics in its own document", () => {
    // Prepare
    const recorder = new JobMetricsRecorder();
    recorder.record('echo', JOB_METRICS.completed, 2);
    recorder.record('flaky', JOB_METRICS.failed);
    recorder.record('flaky', JOB_METRICS.deadLettered);

    // Act
    recorder.publish(newMetrics());

    // Assess
    expect(documentOf('echo')).not.toHaveProperty(JOB_METRICS.failed);
    expect(documentOf('flaky')).not.toHaveProperty(JOB_METRICS.completed);
    expect(documentOf('flaky')).toMatchObject({ [JOB_METRICS.failed]: 1, [JOB_METRICS.deadLettered]: 1 });
  });

  it('forgets what it published', () => {
    // Prepare
    const recorder = new JobMetricsRecorder();
    const metrics = newMetrics();
    recorder.record('echo', JOB_METRICS.started);
    recorder.publish(metrics);

    // Act
    recorder.record('flaky', JOB_METRICS.started);
    recorder.publish(metrics);

    // Assess
    expect(documents().map((document) => document[JOB_TYPE_DIMENSION])).toEqual(['echo', 'flaky']);
  });

  it('prints nothing when nothing was recorded', () => {
    // Prepare
    const recorder = new JobMetricsRecorder();

    // Act
    recorder.publish(newMetrics());

    // Assess
    expect(documents()).toEqual([]);
  });
});
