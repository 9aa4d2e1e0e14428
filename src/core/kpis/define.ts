import { DomainError } from '../errors.js';
import type { KpiDeps } from './deps.js';
import type { Kpi, KpiInput, KpiPatch, KpiTerms, KpiVersion } from './kpis.types.js';
import { DEFAULTS, kpiInputSchema, kpiPatchSchema, mergeAlertSettings, mergeStatSettings } from './kpis.types.js';
import { sameTerms, termsProblem } from './rag.js';

type Deps = Pick<KpiDeps, 'kpis' | 'teams' | 'clock'>;

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  throw new DomainError('validation', `The KPI is not valid: ${issues[0] ? `${issues[0].path || 'body'}: ${issues[0].message}` : 'unknown problem'}`, { issues });
}

function checkDefinition(kpi: Kpi): void {
  const problem = termsProblem(kpi);
  if (problem) throw new DomainError('validation', `The KPI is not valid: ${problem}`);
  const { min, max } = kpi.bounds;
  if (min !== null && max !== null && min >= max) throw new DomainError('validation', `The KPI is not valid: bounds.min (${min}) must be below bounds.max (${max})`);
  if (kpi.statistics.minBaseline > kpi.statistics.baselineSize) throw new DomainError('validation', 'The KPI is not valid: statistics.minBaseline cannot exceed statistics.baselineSize');
}

async function checkTeam(d: Deps, teamId: string): Promise<void> {
  if (!(await d.teams.get(teamId))) throw new DomainError('validation', `The KPI is not valid: ownerTeamId: no team ${teamId}`, { ownerTeamId: teamId });
}

const termsOf = (k: KpiTerms): KpiTerms => ({ direction: k.direction, target: k.target, stretch: k.stretch, thresholds: { ...k.thresholds } });

/** Defines a KPI; its terms (target, thresholds, direction, stretch) are version 1, in force from now. */
export async function createKpi(d: Deps, body: unknown, actor: string): Promise<Kpi> {
  const input: KpiInput = parse(kpiInputSchema, body);
  await checkTeam(d, input.ownerTeamId);
  const now = d.clock.now();
  const version: KpiVersion = { ...termsOf(input), version: 1, effectiveFrom: new Date(0), createdBy: actor, createdAt: now };
  const kpi: Kpi = {
    ...input,
    statistics: mergeStatSettings(DEFAULTS.statistics, input.statistics),
    alerts: mergeAlertSettings(DEFAULTS.alerts, input.alerts),
    versions: [version],
    lastSampleAt: null,
    staleSince: null,
    createdAt: now,
    updatedAt: now,
  };
  checkDefinition(kpi);
  return d.kpis.create(kpi);
}

/** The KPI, or not_found; `cached`: its definition from the process's cache (KpiRepository.definition), for the sample path. */
export async function getKpi(d: Pick<KpiDeps, 'kpis'>, key: string, cached = false): Promise<Kpi> {
  const kpi = cached ? await d.kpis.definition(key) : await d.kpis.get(key);
  if (!kpi) throw new DomainError('not_found', `No KPI with the key "${key}"`, { key });
  return kpi;
}

/**
 * Changes a KPI. New terms (direction, target, stretch, thresholds) start a
 * new version effective from `effectiveFrom` (default now): samples before it
 * are still judged by the old version.
 */
export async function changeKpi(d: Deps, key: string, body: unknown, actor: string): Promise<{ before: Kpi; after: Kpi }> {
  const patch: KpiPatch = parse(kpiPatchSchema, body);
  const before = await getKpi(d, key);
  if (patch.ownerTeamId) await checkTeam(d, patch.ownerTeamId);
  const now = d.clock.now();
  const { effectiveFrom, statistics, alerts, ...fields } = patch;
  const next: Kpi = {
    ...before,
    ...fields,
    statistics: statistics ? mergeStatSettings(before.statistics, statistics) : before.statistics,
    alerts: alerts ? mergeAlertSettings(before.alerts, alerts) : before.alerts,
    updatedAt: now,
  };
  const latest = before.versions[before.versions.length - 1];
  if (!latest) throw new Error('a KPI always has a version');
  if (!sameTerms(termsOf(next), termsOf(latest))) {
    const from = effectiveFrom ?? now;
    if (from.getTime() <= latest.effectiveFrom.getTime()) {
      throw new DomainError('validation', `effectiveFrom must be after the current version's start (${latest.effectiveFrom.toISOString()})`, { effectiveFrom: from });
    }
    next.versions = [...before.versions, { ...termsOf(next), version: latest.version + 1, effectiveFrom: from, createdBy: actor, createdAt: now }];
  } else if (effectiveFrom) {
    throw new DomainError('validation', 'effectiveFrom applies only to a change of direction, target, stretch or thresholds');
  }
  checkDefinition(next);
  const after = await d.kpis.replace(next, before.updatedAt);
  if (!after) throw new DomainError('conflict', `The KPI "${key}" was changed at the same time; read it again and retry`);
  return { before, after };
}
