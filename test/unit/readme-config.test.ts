import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configVariables, loadConfig } from '../../src/config.js';

const readme = readFileSync('README.md', 'utf8');

/** Rows of the table in the README's "## Configuration" section: variable -> default cell. */
function configTable(): Map<string, string> {
  const start = readme.indexOf('\n## Configuration\n');
  expect(start, 'README has a "## Configuration" section').toBeGreaterThan(-1);
  const section = readme.slice(start + 1).split(/\n## /)[0] ?? '';
  const rows = new Map<string, string>();
  for (const m of section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| ([^|]*) \|/gm)) rows.set(m[1] ?? '', (m[2] ?? '').trim());
  return rows;
}

describe('README configuration table', () => {
  it('lists exactly the variables of the config schema', () => {
    expect([...configTable().keys()].sort()).toEqual(configVariables().map((v) => v.name).sort());
  });

  it('gives the defaults the schema applies', () => {
    const defaults = loadConfig({}) as Record<string, unknown>;
    for (const [name, cell] of configTable()) {
      const value = defaults[name];
      // An empty map (RETENTION_DAYS with nothing overridden) is no default to show.
      const none = value === undefined || (typeof value === 'object' && value !== null && Object.keys(value).length === 0);
      if (none) expect(cell, `${name} has no default`).toBe('—');
      else expect(/^`([^`]*)`/.exec(cell)?.[1], `default of ${name}`).toBe(String(value));
    }
  });
});
