import { Counter, Registry, Summary } from 'prom-client';

/** One EMF document as Powertools prints it (CloudWatch embedded metric format). */
interface EmfDocument {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit?: string }[] }[] };
  [key: string]: unknown;
}

const snakeCase = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const labelName = (dimension: string) => snakeCase(dimension).replace(/[^a-z0-9_]/g, '_');

/**
 * Reads the EMF documents the functions print and keeps them as Prometheus metrics, so the
 * numbers the CloudWatch dashboard shows in AWS can be watched during local runs:
 * counts become counters (`jobs_job_completed_total{job_type="echo"}`), milliseconds become
 * summaries with p50/p95/p99 (`jobs_job_duration_milliseconds{quantile="0.99"}`).
 */
export class EmfMetrics {
  readonly registry = new Registry();
  private readonly counters = new Map<string, Counter>();
  private readonly summaries = new Map<string, Summary>();

  /** Takes one line of function output; lines that are not EMF documents are ignored. */
  ingest(line: string): void {
    if (!line.includes('"_aws"')) return;
    let document: EmfDocument;
    try {
      document = JSON.parse(line) as EmfDocument;
    } catch {
      return;
    }
    for (const directive of document._aws?.CloudWatchMetrics ?? []) {
      const dimensions = [...new Set(directive.Dimensions.flat())];
      const labels = Object.fromEntries(dimensions.map((dimension) => [labelName(dimension), String(document[dimension] ?? '')]));
      for (const metric of directive.Metrics) {
        const raw = document[metric.Name];
        const values = (Array.isArray(raw) ? raw : [raw]).filter((value): value is number => typeof value === 'number');
        const labelNames = Object.keys(labels).sort();
        try {
          if (metric.Unit === 'Milliseconds') {
            const summary = this.summary(`jobs_${snakeCase(metric.Name)}_milliseconds`, metric.Name, labelNames);
            for (const value of values) summary.observe(labels, value);
          } else {
            const counter = this.counter(`jobs_${snakeCase(metric.Name)}_total`, metric.Name, labelNames);
            counter.inc(
              labels,
              values.reduce((sum, value) => sum + value, 0),
            );
          }
        } catch {
          // The same metric name with another set of dimensions: keep the first, skip this one.
        }
      }
    }
  }

  private counter(name: string, help: string, labelNames: string[]): Counter {
    const key = name;
    let counter = this.counters.get(key);
    if (counter === undefined) {
      counter = new Counter({ name, help: `${help} (EMF, summed)`, labelNames, registers: [this.registry] });
      this.counters.set(key, counter);
    }
    return counter;
  }

  private summary(name: string, help: string, labelNames: string[]): Summary {
    const key = name;
    let summary = this.summaries.get(key);
    if (summary === undefined) {
      summary = new Summary({ name, help: `${help} (EMF)`, labelNames, percentiles: [0.5, 0.95, 0.99], registers: [this.registry] });
      this.summaries.set(key, summary);
    }
    return summary;
  }

  /** The Prometheus text exposition of everything seen so far. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
