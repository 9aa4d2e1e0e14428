import type { Messenger } from '../chat/messenger.js';
import type { Block } from '../chat/views.js';
import { v } from '../chat/views.js';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Person, Weekday } from '../people/people.types.js';
import type { PeopleRepository, Scheduler } from '../ports.js';
import { dueAt, reconcileZones } from '../rhythm/schedule.js';
import type { ScorecardAccess } from './access.js';
import type { BuildScorecard } from './scorecard.js';
import type { DigestSettings, DigestSettingsRepository, Scorecard } from './scorecards.types.js';
import { pct, scorecardView } from './scorecards.views.js';

export const DIGEST_JOBS = { fire: 'scorecard.digest.fire', reconcile: 'scorecard.digest.reconcile' } as const;
const WEEK_MS = 7 * 86_400_000;

export interface DigestDeps {
  digest: DigestSettingsRepository;
  people: Pick<PeopleRepository, 'allActive' | 'get'>;
  access: ScorecardAccess;
  build: BuildScorecard;
  messenger: Pick<Messenger, 'dm'>;
  scheduler: Pick<Scheduler, 'upsertRecurring' | 'removeRecurring'>;
  clock: Clock;
  logger: Logger;
}

/** What changed since the week before, most telling first: KPI statuses, participation, mood, blockers, kudos. */
export function changes(now: Scorecard, before: Scorecard): string[] {
  const out: string[] = [];
  const prev = new Map(before.kpis.rows.map((k) => [k.key, k]));
  for (const k of now.kpis.rows) {
    const p = prev.get(k.key);
    if (p && p.status !== k.status) out.push(`${k.name}: ${p.status ?? 'no status'} → *${k.status ?? 'no status'}*`);
  }
  const r = now.rhythm;
  const b = before.rhythm;
  if (r && b) {
    const pts = r.participation.rate !== null && b.participation.rate !== null ? Math.round((r.participation.rate - b.participation.rate) * 100) : null;
    if (pts) out.push(`Check-in participation ${pct(b.participation.rate)} → *${pct(r.participation.rate)}* (${pts > 0 ? '+' : '−'}${Math.abs(pts)} pts)`);
    if (r.mood.average !== null && b.mood.average !== null && Math.abs(r.mood.average - b.mood.average) >= 0.1) out.push(`Average mood ${b.mood.average.toFixed(1)} → *${r.mood.average.toFixed(1)}*`);
    if (r.openBlockers.total !== b.openBlockers.total) out.push(`Open blockers ${b.openBlockers.total} → *${r.openBlockers.total}*`);
    if (r.kudos.given !== b.kudos.given) out.push(`Kudos given ${b.kudos.given} → *${r.kudos.given}*`);
  }
  return out;
}

/**
 * The weekly digest: on Monday 09:00 in each recipient's own zone (configurable), leaders and the managers
 * who opted in get their scorecard, with what changed since the week before first.
 */
export class WeeklyDigest {
  constructor(private readonly d: DigestDeps) {}

  async recipients(): Promise<Person[]> {
    const s = await this.d.digest.get();
    const out: Person[] = [];
    for await (const p of this.d.people.allActive()) {
      if (p.roles.includes('leader') || s.managerIds.includes(p.id)) out.push(p);
    }
    return out;
  }

  /** One schedule per recipients' zone; stale ones removed. */
  async reconcile(): Promise<void> {
    const s = await this.d.digest.get();
    const members = s.enabled ? await this.recipients() : [];
    const schedules = await reconcileZones(this.d.scheduler, { id: 'scorecard.digest', rhythm: { time: s.time, weekdays: [s.weekday as Weekday] }, members, job: DIGEST_JOBS.fire, data: {}, previous: s.schedules });
    await this.d.digest.save({ schedules });
  }

  /** A zone's firing: each recipient there due now gets their digest (once per week: the DM key). */
  async fire(timeZone: string): Promise<number> {
    const s = await this.d.digest.get();
    if (!s.enabled) return 0;
    let sent = 0;
    const now = this.d.clock.now();
    for (const p of await this.recipients()) {
      if (p.timeZone !== timeZone || !dueAt(p, now, { time: s.time, weekdays: [s.weekday as Weekday] }, { holidays: [], timeOff: [] })) continue;
      if (await this.send(p, now)) sent += 1;
    }
    return sent;
  }

  async send(p: Person, now: Date): Promise<boolean> {
    try {
      const card = await this.d.build.forPerson(p, { period: 'week', asOf: now });
      const before = await this.d.build.forPerson(p, { period: 'week', asOf: new Date(now.getTime() - WEEK_MS) });
      const changed = changes(card, before);
      const view = scorecardView(card, p.timeZone);
      const head: Block[] = [v.section(changed.length ? `*What changed since ${before.period.label}*\n${changed.map((c) => `• ${c}`).join('\n')}` : `*No change since ${before.period.label}* in KPI statuses or the rhythm.`)];
      const [title, ...rest] = view.blocks;
      const blocks = title ? [title, ...head, ...rest] : [...head, ...rest];
      return await this.d.messenger.dm(p.id, { text: `Weekly ${view.text}`, blocks }, `scorecard.digest:${p.id}:${card.period.label}`);
    } catch (err) {
      this.d.logger.warn({ err, personId: p.id }, 'weekly scorecard digest not sent');
      return false;
    }
  }

  /** `/tandem scorecard digest on|off`: a manager opts in or out. */
  async optIn(actor: Person, on: boolean): Promise<DigestSettings> {
    if ((await this.d.access.visibility(actor)).level !== 'manager') throw new DomainError('forbidden', 'The weekly digest is opt-in for managers; leaders always get it.');
    const s = await this.d.digest.get();
    const managerIds = on ? [...new Set([...s.managerIds, actor.id])] : s.managerIds.filter((id) => id !== actor.id);
    await this.d.digest.save({ managerIds });
    await this.reconcile();
    return this.d.digest.get();
  }
}
