/** `npm run import -- FILE [--dry-run]`: imports people and teams from a JSON or CSV file. */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { isDomainError } from '../src/core/errors.js';
import { applyImport, validateImport, type ImportReport, type Rejection } from '../src/core/people/import.js';
import { parseImportFile } from '../src/core/people/import-source.js';
import { createLogger } from '../src/logger.js';
import { connectMongo } from '../src/store/connection.js';
import { createStore } from '../src/store/index.js';
import { syncIndexes } from '../src/store/models.js';

const USAGE = 'Usage: npm run import -- FILE.csv|FILE.json [--dry-run]';

const counts = (c: ImportReport['people']) => `${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged`;
const rejections = (rows: Rejection[]) =>
  rows.length === 0 ? '' : `\nRejected ${rows.length} row${rows.length > 1 ? 's' : ''} (nothing was written for ${rows.length > 1 ? 'them' : 'it'}):\n${rows.map((r) => `  ${r.row}${r.key ? ` (${r.key})` : ''}: ${r.reason}`).join('\n')}\n`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({ args: process.argv.slice(2), options: { 'dry-run': { type: 'boolean' } }, allowPositionals: true });
  const file = positionals[0];
  if (!file || positionals.length > 1) {
    process.stderr.write(`${USAGE}\n`);
    return 1;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    process.stderr.write(`import: cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}\n${USAGE}\n`);
    return 1;
  }
  const ext = extname(file).toLowerCase();
  const format = ext === '.csv' ? 'csv' : ext === '.json' ? 'json' : /^\s*[[{]/.test(text) ? 'json' : 'csv';
  const source = parseImportFile(text, format);

  const config = loadConfig();
  const conn = await connectMongo(config.MONGODB_URI, createLogger('error'));
  try {
    const store = createStore(conn);
    await syncIndexes(conn);
    const plan = await validateImport(source, store);
    if (values['dry-run']) {
      process.stdout.write(`Dry run of ${file}: ${plan.people.length} people and ${plan.teams.length} teams would be imported; nothing was written.${rejections(plan.rejected)}\n`);
      return plan.rejected.length ? 2 : 0;
    }
    const report = await applyImport(plan, store);
    process.stdout.write(`Imported ${file}: people ${counts(report.people)}; teams ${counts(report.teams)}.${rejections(report.rejected)}\n`);
    return report.rejected.length ? 2 : 0;
  } finally {
    await conn.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`import: ${isDomainError(err) || err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
