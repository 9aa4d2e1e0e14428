import type { Team } from '../../src/core/people/people.types.js';
import { generateToken, hashToken } from '../../src/http/admin/tokens.js';
import { eventually } from './servers.js';
import type { startTestTandem } from './stack.js';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- response bodies of many shapes, checked by expect
type Tandem = Awaited<ReturnType<typeof startTestTandem>>;

export const H = 3_600_000;
/** Mean 10, sample σ exactly 2 (36 / 9): boundaries built on it are exact in floating point. */
export const TEN = [13, 7, 13, 7, 10, 10, 10, 10, 10, 10];

/**
 * The admin API of a test Tandem as an owner's systems use it: define KPIs,
 * POST samples an hour apart from `t0`, wait until detection judged them, read alerts.
 */
export async function kpiApi(tandem: Tandem, team: Team, t0: Date) {
  const token = generateToken();
  await tandem.store.tokens.create({ name: 'ops', hash: hashToken(token), scopes: ['admin'] });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${tandem.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
  };
  const hour = (n: number) => new Date(t0.getTime() + n * H).toISOString();
  return {
    call,
    hour,
    /** A latency-like KPI (lower is better, target 100, amber 200, red 300 unless `extra` says otherwise). */
    define: async (key: string, extra: Json = {}) => {
      const res = await call('POST', '/kpis', { key, name: key, unit: 'ms', direction: 'lower_is_better', target: 100, thresholds: { amber: 200, red: 300 }, perspective: 'process', ownerTeamId: team.id, cadence: 'PT1H', ...extra });
      if (res.status !== 201) throw new Error(`could not define ${key}: ${JSON.stringify(res.body)}`);
      return res.body;
    },
    /** Posts `values` one hour apart from hour `from`, in one request. */
    post: async (key: string, values: number[], from = 0) => {
      const res = await call('POST', `/kpis/${key}/samples`, { samples: values.map((value, i) => ({ at: hour(from + i), value })) });
      if (res.status !== 200) throw new Error(`samples of ${key} refused: ${JSON.stringify(res.body)}`);
      return res.body;
    },
    settled: (key: string) => eventually(async () => (await call('GET', `/kpis/${key}/samples?limit=1000`)).body.items.every((s: Json) => s.judged), 20_000, `samples of ${key} judged`),
    alertsOf: async (key: string) => (await call('GET', `/alerts?kpi=${key}`)).body.items as Json[],
  };
}
