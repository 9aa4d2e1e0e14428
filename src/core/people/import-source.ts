import { parse as parseCsv } from 'csv-parse/sync';
import { DomainError } from '../errors.js';

/**
 * Step 1 of an import (see import.ts): the text of a JSON or CSV file as
 * rows, with column names made canonical ("Full name", "tz" → name,
 * timeZone). Pure: nothing is checked against the directory here.
 */

export interface SourceRow {
  /** Where the row is in the file, for the report: "line 3" (CSV) or "people[2]" (JSON). */
  row: string;
  data: Record<string, unknown>;
}

export interface ImportSource {
  people: SourceRow[];
  teams: SourceRow[];
}

const PERSON_COLUMNS: Record<string, string> = {
  name: 'name',
  fullname: 'name',
  email: 'email',
  timezone: 'timeZone',
  tz: 'timeZone',
  workingdays: 'workingDays',
  manager: 'manager',
  manageremail: 'manager',
  roles: 'roles',
  role: 'roles',
  team: 'team',
  teams: 'team',
  active: 'active',
};
const TEAM_KEYS = new Set(['name', 'manager', 'members', 'channels']);

const normalizeKey = (k: string) => k.toLowerCase().replace(/[\s_-]+/g, '');

function canonicalPerson(data: Record<string, unknown>, row: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    const key = PERSON_COLUMNS[normalizeKey(k)];
    if (!key) throw new DomainError('validation', `${row}: unknown field "${k}"; expected ${[...new Set(Object.values(PERSON_COLUMNS))].join(', ')}`);
    out[key] = v;
  }
  return out;
}

/** Parses an import file: a CSV of people, a JSON array of people, or a JSON object `{people: [...], teams: [...]}`. */
export function parseImportFile(text: string, format: 'json' | 'csv'): ImportSource {
  if (format === 'csv') {
    let records: Record<string, string>[];
    try {
      records = parseCsv(text, { columns: true, bom: true, trim: true, skip_empty_lines: true }) as Record<string, string>[];
    } catch (err) {
      throw new DomainError('validation', `The CSV file cannot be read: ${(err as Error).message}`);
    }
    const header = Object.keys(records[0] ?? {});
    if (records.length > 0 && (!header.some((h) => PERSON_COLUMNS[normalizeKey(h)] === 'email') || !header.some((h) => PERSON_COLUMNS[normalizeKey(h)] === 'name'))) {
      throw new DomainError('validation', 'The CSV file needs a header line with at least the columns name and email');
    }
    // Line numbers as a spreadsheet shows them: the header is line 1 (blank lines are not counted).
    return { people: records.map((r, i) => ({ row: `line ${i + 2}`, data: canonicalPerson(r, `line ${i + 2}`) })), teams: [] };
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new DomainError('validation', `The JSON file cannot be read: ${(err as Error).message}`);
  }
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const rows = (list: unknown, name: string): SourceRow[] => {
    if (list === undefined) return [];
    if (!Array.isArray(list)) throw new DomainError('validation', `"${name}" must be an array`);
    return list.map((item, i) => {
      const row = `${name}[${i}]`;
      if (!isObj(item)) throw new DomainError('validation', `${row} must be an object`);
      return { row, data: item };
    });
  };
  if (Array.isArray(json)) return { people: rows(json, 'people').map((r) => ({ ...r, data: canonicalPerson(r.data, r.row) })), teams: [] };
  if (isObj(json)) {
    const extra = Object.keys(json).filter((k) => k !== 'people' && k !== 'teams');
    if (extra.length) throw new DomainError('validation', `Unknown top-level field${extra.length > 1 ? 's' : ''} ${extra.join(', ')}; expected people and teams`);
    const teams = rows(json.teams, 'teams');
    for (const t of teams) {
      const unknown = Object.keys(t.data).filter((k) => !TEAM_KEYS.has(k));
      if (unknown.length) throw new DomainError('validation', `${t.row}: unknown field "${unknown[0]}"; expected name, manager, members, channels`);
    }
    return { people: rows(json.people, 'people').map((r) => ({ ...r, data: canonicalPerson(r.data, r.row) })), teams };
  }
  throw new DomainError('validation', 'The JSON file must be an array of people or an object {"people": [...], "teams": [...]}');
}
