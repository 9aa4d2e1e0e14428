import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Person, Team } from '../../src/core/people/people.types.js';
import { H, kpiApi, TEN, type Json } from '../support/kpis.js';
import { startTestTandem } from '../support/stack.js';

/**
 * Each run rule over HTTP with its defaults (baseline 20, at least 8, bad side
 * only): samples are POSTed to the admin API and judged by the real detection
 * job on the real stack. The baseline TEN (mean 10, σ 2) is followed by the
 * series; a series sample that is not a 3σ exception joins the baseline of the
 * next one, which the values below account for (the run rules are on the bad
 * side, above, for this lower-is-better KPI; all values stay green on its thresholds).
 */
describe('KPI run rules and flapping over HTTP on the real stack', () => {
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let api: Awaited<ReturnType<typeof kpiApi>>;
  let team: Team;
  let lena: Person;
  const clock = { at: new Date('2026-11-25T12:00:00Z'), now() { return new Date(this.at); } };

  beforeAll(async () => {
    tandem = await startTestTandem({ TEAMS_ENABLED: 'false' }, { clock });
    lena = await tandem.store.people.create({ name: 'Lena Fischer', email: 'lena@example.com', roles: ['manager'] });
    team = await tandem.store.teams.create({ name: 'Platform', managerId: lena.id, memberIds: [] });
    api = await kpiApi(tandem, team, new Date('2026-11-20T00:00:00Z'));
  });
  afterAll(async () => {
    await tandem.cleanup();
  });

  const rulesOf = async (key: string) => (await api.alertsOf(key)).map((a) => a.rule);

  it('each run rule: the minimal series fires it, one that just falls short does not', async () => {
    const cases: { key: string; series: number[]; fires: string[] }[] = [
      // 2 of 3 beyond 2σ: two in a row (the second judged against mean 10.54, σ 2.60: 15.9 is beyond 15.74).
      { key: 'two-of-three', series: [15.9, 15.9], fires: ['run_2of3'] },
      // The earlier one 3 samples back: only 1 of the last 3 beyond 2σ.
      { key: 'two-of-three-short', series: [15.9, 10, 10, 15.9], fires: [] },
      // 4 of 5 beyond 1σ: four in a row (the fourth against mean 10.81, σ 2.31: 13.5 is beyond 13.12).
      { key: 'four-of-five', series: [13.5, 13.5, 13.5, 13.5], fires: ['run_4of5'] },
      // 3 of the last 5 beyond 1σ: one short.
      { key: 'four-of-five-short', series: [13.5, 10, 10, 13.5, 13.5], fires: [] },
      // 8 in a row above the mean (the mean creeps up to 10.21, still below 10.5).
      { key: 'eight', series: [10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5], fires: ['run_8'] },
      // 7 in a row: the 8th back is 10, below the mean.
      { key: 'eight-short', series: [10.5, 10.5, 10.5, 10.5, 10.5, 10.5, 10.5], fires: [] },
    ];
    for (const c of cases) {
      await api.define(c.key);
      await api.post(c.key, [...TEN, ...c.series]);
    }
    await Promise.all(cases.map((c) => api.settled(c.key)));
    for (const c of cases) expect(await rulesOf(c.key), c.key).toEqual(c.fires);
    const [shift] = await api.alertsOf('four-of-five');
    expect(shift).toMatchObject({ severity: 'shift', status: 'open', count: 1, lastValue: 13.5, lastAt: api.hour(13) });
    expect(shift!.explanation).toContain('4 of the last 5 samples beyond 1σ');
  });

  it('a point at exactly 3σ does not fire, just beyond does; on the good side nothing fires by default', async () => {
    await api.define('sigma-at');
    await api.define('sigma-beyond');
    await api.define('sigma-good-side');
    await api.post('sigma-at', [...TEN, 16]);
    await api.post('sigma-beyond', [...TEN, 16.000001]);
    await api.post('sigma-good-side', [...TEN, 3.9]);
    await Promise.all(['sigma-at', 'sigma-beyond', 'sigma-good-side'].map(api.settled));
    expect(await rulesOf('sigma-at')).toEqual([]);
    expect(await rulesOf('sigma-beyond')).toEqual(['sigma3']);
    expect(await rulesOf('sigma-good-side')).toEqual([]);
  });

  it('fewer than 8 baseline samples fire no statistical rule; the 8th baseline sample makes them apply', async () => {
    await api.define('seven');
    await api.define('eight-base');
    // 7 samples then far beyond: nothing (it is still green on the thresholds).
    await api.post('seven', [13, 7, 12, 8, 11, 9, 10, 100]);
    // mean 10, σ exactly 2 over 8 samples: the same jump is an input error (beyond 10σ).
    await api.post('eight-base', [13, 7, 12, 8, 11, 9, 10, 10, 100]);
    await Promise.all(['seven', 'eight-base'].map(api.settled));
    expect(await rulesOf('seven')).toEqual([]);
    expect(await rulesOf('eight-base')).toEqual(['input_error']);
  });

  it('a KPI that opens more than F times in its window is held open and marked flapping', async () => {
    // F = 2 in 24 h; one normal sample resolves an alert.
    await api.define('flappy', { alerts: { resolveAfter: 1, flapping: { opens: 2, windowHours: 24 } } });
    await api.post('flappy', [350, 100, 350, 100, 350, 100, 100]);
    await api.settled('flappy');
    let alerts = await api.alertsOf('flappy');
    expect(alerts.map((a) => [a.status, a.flapping])).toEqual([
      ['open', true],
      ['resolved', false],
      ['resolved', false],
    ]);
    const held = (await api.call('GET', `/alerts/${alerts[0]!.id}`)).body;
    const flapping = held.timeline.filter((t: Json) => t.kind === 'flapping');
    expect(flapping).toHaveLength(1);
    expect(flapping[0].text).toContain('opened 3 times in 24 h');
    expect(held.timeline.map((t: Json) => t.kind)).not.toContain('resolved');

    // A further breach folds into the held alert instead of opening a fourth.
    await api.post('flappy', [400, 100], 7);
    await api.settled('flappy');
    alerts = await api.alertsOf('flappy');
    expect(alerts).toHaveLength(3);
    expect(alerts[0]).toMatchObject({ status: 'open', flapping: true, count: 2, worstValue: 400 });

    // Once the openings fall out of the window, the next normal sample resolves it.
    clock.at = new Date(clock.at.getTime() + 25 * H);
    await api.post('flappy', [100], 9);
    await api.settled('flappy');
    expect((await api.alertsOf('flappy'))[0]).toMatchObject({ status: 'resolved' });
  });

  it('a KPI whose samples were stored before tails gets its tail from its history once, and judges on', async () => {
    await api.define('older');
    await api.post('older', TEN);
    await api.settled('older');
    // As a database from before tails: the KPI and its judged samples, no tail.
    const raw = await mongoose.createConnection(tandem.config.MONGODB_URI).asPromise();
    try {
      await raw.collection('kpi_tails').deleteOne({ _id: 'older' as never });
    } finally {
      await raw.close();
    }
    await api.post('older', [16.000001], 10);
    await api.settled('older');
    const [exception] = await api.alertsOf('older');
    expect(exception).toMatchObject({ rule: 'sigma3' });
    expect(exception!.explanation).toContain('Baseline: mean 10 ms ± 2 (σ) over the last 10 samples');
    const shown = JSON.stringify(await tandem.core.interactions.runCommand({ actor: lena, platform: 'console' }, 'tandem', 'kpi older'));
    expect(shown).toContain('16.000001');
  });
});
