import { Duration } from 'luxon';
import { raiseAlert } from '../alerts/raise.js';
import type { KpiDeps } from './deps.js';
import { alertKey } from './detection.js';
import { RULE_TEXT } from './explain.js';
import type { Kpi } from './kpis.types.js';

/** A feed is stale once no sample is dated within this many cadences of now. */
export const STALE_FACTOR = 1.5;

export const staleAfterMs = (kpi: Pick<Kpi, 'cadence'>): number => Duration.fromISO(kpi.cadence).as('milliseconds') * STALE_FACTOR;

/**
 * Raises a `stale` alert to the owner of every KPI whose newest sample (or,
 * without any, its creation) is older than 1.5 × its cadence by the Clock.
 * Run periodically; an open stale alert is only updated, and it resolves
 * itself when a sample arrives.
 */
export async function checkStale(d: KpiDeps): Promise<string[]> {
  const now = d.clock.now();
  const stale: string[] = [];
  for (const kpi of await d.kpis.list({})) {
    const last = kpi.lastSampleAt ?? kpi.createdAt;
    const limit = staleAfterMs(kpi);
    if (now.getTime() - last.getTime() <= limit) continue;
    stale.push(kpi.key);
    if (kpi.staleSince) continue;
    await d.kpis.markStale(kpi.key, now);
    const since = kpi.lastSampleAt ? `The last value is dated ${kpi.lastSampleAt.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'No value has arrived since it was defined';
    await raiseAlert(
      d,
      {
        key: alertKey(kpi.key, 'stale'),
        severity: 'stale',
        teamId: kpi.ownerTeamId,
        source: 'kpi',
        title: `${kpi.name}: no new data`,
        explanation: `${since}; ${kpi.name} is expected every ${kpi.cadence}. Rule: ${RULE_TEXT.stale}. A data feed that stopped is an incident too: check the system that sends it.`,
        lastValue: null,
        worstValue: null,
        kpiKey: kpi.key,
        rule: 'stale',
      },
      { at: now, actor: 'tandem' },
    );
  }
  return stale;
}
