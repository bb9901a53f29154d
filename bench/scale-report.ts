import { KEY_READ_UNITS_PER_SECOND, KEY_WRITE_UNITS_PER_SECOND, type KeyLoad, type ScaleModel } from './scale-model.ts';

/** The write model of the run's stream for each layout, and the read units of the job path. */
export interface ScaleReport {
  /** The mix, single submit, on the table's layout. */
  readonly current: ScaleModel;
  /** The same writes keyed by the layout before issue 9. */
  readonly previous: ScaleModel;
  /** The batch-submit row on the table's layout. */
  readonly batch: ScaleModel;
  readonly rruPerJob: number;
  readonly readNote: string;
  /** 3,000 RRU/s per key × the caller's shards ÷ RRU per job: reads of job items by their own keys. */
  readonly readCeilingJobsPerSecond: number;
  /** 3,000 RRU/s ÷ RRU per job: the worst case, every read on one key. */
  readonly readCeilingOneKeyJobsPerSecond: number;
}

const units = (value: number) => (value < 0.1 ? value.toFixed(4) : value.toFixed(2));
const jobsPerSecond = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'unbounded');
const keyText = (load: KeyLoad) => `${load.where} \`${load.key}\`: ${units(load.wruPerJob)}`;

/** The report's "Scale model" section: what is counted, what is modelled, and the single-caller ceiling. */
export function renderScaleModel(scale: ScaleReport): string[] {
  const rows: [string, ScaleModel][] = [
    ['mix, single submit', scale.current],
    ['mix, batch submit', scale.batch],
    ['mix, single submit', scale.previous],
  ];
  return [
    '## Scale model: DynamoDB write units per partition key',
    '',
    "Every record of the bench table's stream (NEW_AND_OLD_IMAGES, read from the oldest record of every shard after the runs) is one write that reached the table. " +
      'For each, the model works out its write units: the table bills the larger of the item before and after, 1 WRU per KB; an index entry (every index is KEYS_ONLY) ' +
      'costs nothing while its key stays, a delete plus a put (1 WRU each) when its key changes, and nothing when neither image has the key. Units are summed per partition key value. ' +
      "Measured: the stream records and their images, and the conditional writes DynamoDB refused (counted from the functions' HTTP responses, 1 WRU each, not on any key: they land on the shards as the job writes do). " +
      `Modelled: the counts items (\`c#<caller>\`), at 2 WRU (TransactWriteItems) per 1,000 stream records of the caller's jobs, the batch size of the AWS stream mapping (lib/constructs/job-counts.ts) — the local poller's frequency says nothing about AWS; and the previous layout, from the same images.`,
    '',
    `The **single-caller model** takes the caller out of every key (job \`<caller>#<shard>\` → shard, status key → shard#status, counts item → one key): one caller sending every job. ` +
      `Its hottest key's WRU per job gives the **single-caller ceiling on AWS = ${KEY_WRITE_UNITS_PER_SECOND.toLocaleString('en-US')} WRU/s per key ÷ that key's WRU per job**.`,
    '',
    '| layout | run | jobs | stream writes | WRU per job | of which | hottest key as run (WRU per job) | single-caller hottest key (WRU per job) | single-caller ceiling on AWS (jobs/s) | same, shards evenly loaded (jobs/s) |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(([run, model]) => {
      const parts = Object.entries(model.wruPerJobBy)
        .map(([where, wru]) => `${where} ${units(wru)}`)
        .join(', ');
      const hottest = model.singleCallerTop[0];
      return `| ${model.layout} | ${run} | ${model.jobs} | ${model.writes} | **${units(model.wruPerJob)}** | ${parts} | ${keyText(model.hottestKey)} | ${hottest === undefined ? '–' : keyText(hottest)} | **${jobsPerSecond(model.singleCallerCeilingJobsPerSecond)}** | ${model.evenSpread === undefined ? '–' : `${jobsPerSecond(model.evenSpread.ceilingJobsPerSecond)} (${units(model.evenSpread.wruPerJobPerKey)} WRU per job on each of ${model.evenSpread.keys} shards)`} |`;
    }),
    '',
    `Hottest single-caller keys of the current layout (mix, single submit): ${scale.current.singleCallerTop.map(keyText).join('; ')}.`,
    '',
    "The ceiling is read off the hottest key the run produced. Where that key is one of the caller's shards, a short run leaves one shard hotter than the rest by chance " +
      '(a few dozen jobs per shard); the last column is the same ceiling with the shard writes spread evenly, which is what thousands of jobs a second approach.',
    '',
    `**Reads:** ${units(scale.rruPerJob)} RRU per job (${scale.readNote}). Reads are counted per call, not per key: the job path reads job items by their own key, ` +
      `which spread over the caller's shards as the writes do, so ${KEY_READ_UNITS_PER_SECOND.toLocaleString('en-US')} RRU/s per key allows about ` +
      `${jobsPerSecond(scale.readCeilingJobsPerSecond)} jobs/s from one caller (${jobsPerSecond(scale.readCeilingOneKeyJobsPerSecond)} jobs/s if every read hit a single key).`,
    '',
  ];
}
