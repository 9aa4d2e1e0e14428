/** `npm run import:samples -- KPI-KEY FILE.csv`: imports a KPI's history (columns `at,value`), 1,000 samples per batch. */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { Redis } from 'ioredis';
import client from 'prom-client';
import { loadConfig } from '../src/config.js';
import { systemClock } from '../src/core/clock.js';
import { isDomainError } from '../src/core/errors.js';
import { createCore } from '../src/core/index.js';
import { LocalInvalidation } from '../src/core/invalidation.js';
import { MAX_SAMPLES_PER_REQUEST } from '../src/core/kpis/samples.js';
import { Jobs } from '../src/jobs/scheduler.js';
import { createLogger } from '../src/logger.js';
import { connectMongo } from '../src/store/connection.js';
import { createStore } from '../src/store/index.js';
import { syncIndexes } from '../src/store/models.js';

const USAGE = 'Usage: npm run import:samples -- KPI-KEY FILE.csv   (CSV columns: at,value; at in ISO 8601)';

async function main(): Promise<number> {
  const { positionals } = parseArgs({ args: process.argv.slice(2), allowPositionals: true });
  const [key, file] = positionals;
  if (!key || !file || positionals.length > 2) {
    process.stderr.write(`${USAGE}\n`);
    return 1;
  }
  const rows = parse(await readFile(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  const samples = rows.map((r) => ({ at: r.at ?? '', value: r.value === undefined || r.value === '' ? Number.NaN : Number(r.value) }));
  const config = loadConfig();
  const logger = createLogger('error');
  const conn = await connectMongo(config.MONGODB_URI, logger);
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1 });
  // Only enqueues: the running Tandem's workers judge the imported samples, oldest first.
  const jobs = new Jobs(redis, { prefix: config.QUEUE_PREFIX, logger, clock: systemClock, registry: new client.Registry() });
  try {
    const store = createStore(conn);
    await syncIndexes(conn);
    const core = createCore({ ...store, scheduler: jobs, clock: systemClock, logger, invalidation: new LocalInvalidation(), retentionDays: {},
      // The import judges samples and sends nothing: no survey runs in it.
      surveyConfig: { secret: 'not-used-by-the-sample-import-0000000000', minGroupSize: 5, fatigueDays: 7 },
    });
    const total = { inserted: 0, unchanged: 0, corrected: 0 };
    let failed = 0;
    for (let i = 0; i < samples.length; i += MAX_SAMPLES_PER_REQUEST) {
      const batch = samples.slice(i, i + MAX_SAMPLES_PER_REQUEST);
      try {
        const r = await core.kpis.recordSamples(key, { samples: batch }, 'import');
        for (const k of ['inserted', 'unchanged', 'corrected'] as const) total[k] += r[k];
      } catch (err) {
        if (!isDomainError(err) || err.code !== 'validation') throw err;
        failed += batch.length;
        process.stderr.write(`rows ${i + 2}-${i + 1 + batch.length} refused (nothing of them written): ${err.message}\n`);
      }
    }
    process.stdout.write(`Imported ${file} into ${key}: ${total.inserted} new, ${total.unchanged} unchanged, ${total.corrected} corrected${failed ? `; ${failed} refused` : ''}.\n`);
    return failed ? 2 : 0;
  } finally {
    await jobs.close();
    redis.disconnect();
    await conn.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`import:samples: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
