import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { JOB_METRICS, JOB_TYPE_DIMENSION, type JobMetricName } from './job-metrics.ts';

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

const UNITS: Record<JobMetricName, Unit> = {
  [JOB_METRICS.submitted]: MetricUnit.Count,
  [JOB_METRICS.started]: MetricUnit.Count,
  [JOB_METRICS.completed]: MetricUnit.Count,
  [JOB_METRICS.failed]: MetricUnit.Count,
  [JOB_METRICS.retried]: MetricUnit.Count,
  [JOB_METRICS.deadLettered]: MetricUnit.Count,
  [JOB_METRICS.heldBack]: MetricUnit.Count,
  [JOB_METRICS.duration]: MetricUnit.Milliseconds,
  [JOB_METRICS.queueWait]: MetricUnit.Milliseconds,
};

/**
 * Collects job metrics while records of several types run side by side, then publishes one
 * EMF document per job type: dimensions on the shared Metrics object are not safe to set
 * from concurrent records, and one document per type keeps log volume (and cost) low.
 */
export class JobMetricsRecorder {
  private readonly byType = new Map<string, Map<JobMetricName, number[]>>();

  record(jobType: string, name: JobMetricName, value = 1): void {
    const metricsOfType = this.byType.get(jobType) ?? new Map<JobMetricName, number[]>();
    this.byType.set(jobType, metricsOfType);
    const values = metricsOfType.get(name) ?? [];
    metricsOfType.set(name, values);
    values.push(value);
  }

  /** Publishes and forgets everything recorded. Counts are summed; durations keep each value. */
  publish(metrics: Metrics): void {
    for (const [jobType, metricsOfType] of this.byType) {
      metrics.addDimension(JOB_TYPE_DIMENSION, jobType);
      for (const [name, values] of metricsOfType) {
        const unit = UNITS[name];
        if (unit === MetricUnit.Count) {
          metrics.addMetric(
            name,
            unit,
            values.reduce((sum, value) => sum + value, 0),
          );
        } else {
          for (const value of values) metrics.addMetric(name, unit, value);
        }
      }
      metrics.publishStoredMetrics();
      metrics.clearDimensions();
    }
    this.byType.clear();
  }
}
