import { beforeEach, describe, expect, it } from 'vitest';
import { ESCALATION_JOBS, EscalationService, planSteps, stepJobId } from '../../src/core/oncall/escalation.js';
import type { EscalationAlert, EscalationAlerts, EscalationDeps, EscalationNotifier, EscalationSnapshot, TimelineEntry } from '../../src/core/oncall/escalation.types.js';
import type { EscalationPolicy, Schedule } from '../../src/core/oncall/oncall.types.js';
import { isWorkingTime, nextWorkingTime } from '../../src/core/oncall/targets.js';
import type { Person, Team } from '../../src/core/people/people.types.js';
import type { Logger } from '../../src/core/logger.js';
import type { QueuedJob, Scheduler } from '../../src/core/ports.js';

const id = (c: string) => c.repeat(24);
const person = (c: string, extra: Partial<Person> = {}): Person => ({
  id: id(c), name: c, email: `${c}@example.com`, timeZone: 'Europe/Berlin', workingDays: [1, 2, 3, 4, 5], managerId: null, roles: ['employee'], active: true,
  createdAt: new Date(0), updatedAt: new Date(0), ...extra,
});

// ---- fakes of the narrow ports escalation needs ----

class FakeAlerts implements EscalationAlerts {
  readonly alerts = new Map<string, EscalationAlert>();
  readonly timeline = new Map<string, TimelineEntry[]>();
  async get(alertId: string) {
    const a = this.alerts.get(alertId);
    return a ? { ...a } : null;
  }
  async freeze(alertId: string, snapshot: EscalationSnapshot) {
    const a = this.alerts.get(alertId)!;
    a.escalation ??= structuredClone(snapshot);
    return a.escalation;
  }
  async record(alertId: string, entry: TimelineEntry) {
    const list = this.timeline.get(alertId) ?? [];
    if (!list.some((e) => e.key === entry.key)) list.push(entry);
    this.timeline.set(alertId, list);
  }
  async reopen(alertId: string) {
    const a = this.alerts.get(alertId)!;
    Object.assign(a, { status: 'open', snoozedUntil: null });
    return { ...a };
  }
  kinds(alertId: string) {
    return (this.timeline.get(alertId) ?? []).map((e) => e.kind);
  }
}

/** Sends once per key, as the Messenger does; people in `unreachable` cannot be delivered to. */
class FakeNotifier implements EscalationNotifier {
  readonly sent: { to: string; key: string; step: number; repeat: number }[] = [];
  readonly unreachable = new Set<string>();
  async notifyPerson(_alert: EscalationAlert, personId: string, progress: { repeat: number; step: number }, key: string) {
    if (this.unreachable.has(personId)) return false;
    if (!this.sent.some((s) => s.key === key)) this.sent.push({ to: personId, key, ...progress });
    return true;
  }
  async notifyOwners() {
    return [];
  }
  async postToTeam(_alert: EscalationAlert, team: Team, progress: { repeat: number; step: number }, key: string) {
    if (!this.sent.some((s) => s.key === key)) this.sent.push({ to: `channel:${team.name}`, key, ...progress });
    return true;
  }
}

class FakeScheduler implements Scheduler {
  readonly jobs = new Map<string, { name: string; data: Record<string, unknown>; at: Date | undefined }>();
  async enqueue(name: string, data: Record<string, unknown>, opts: { jobId: string; at?: Date }) {
    if (!this.jobs.has(opts.jobId)) this.jobs.set(opts.jobId, { name, data, at: opts.at });
  }
  async enqueueMany(jobs: readonly QueuedJob[]) {
    for (const j of jobs) await this.enqueue(j.name, j.data, j.opts);
  }
  async cancel(jobId: string) {
    this.jobs.delete(jobId);
  }
  async discard(jobId: string) {
    this.jobs.delete(jobId);
  }
  async requeue(name: string, data: Record<string, unknown>, opts: { jobId: string; at?: Date }) {
    await this.enqueue(name, data, opts);
    return true;
  }
  async upsertRecurring() {}
  async removeRecurring() {}
}

describe('escalation: the plan of step jobs', () => {
  it('every step of every round, each its delay after the one before, with ids from alert, repeat and step', () => {
    const plan = planSteps('A1', { repeat: 2, steps: [0, 10, 20].map((d) => ({ delayMinutes: d, target: { kind: 'manager' as const } })) }, new Date('2026-06-01T10:00:00Z'));
    expect(plan.map((p) => [p.jobId, p.at.toISOString().slice(11, 16)])).toEqual([
      ['escalation:A1:0:0', '10:00'], ['escalation:A1:0:1', '10:10'], ['escalation:A1:0:2', '10:30'],
      ['escalation:A1:1:0', '10:30'], ['escalation:A1:1:1', '10:40'], ['escalation:A1:1:2', '11:00'],
      ['escalation:A1:2:0', '11:00'], ['escalation:A1:2:1', '11:10'], ['escalation:A1:2:2', '11:30'],
    ]);
    expect(new Set(plan.map((p) => p.jobId)).size).toBe(9);
    expect(planSteps('A1', { repeat: 0, steps: [{ delayMinutes: 5, target: { kind: 'channel' } }] }, new Date('2026-06-01T10:00:00Z'))[0]!.at.toISOString()).toBe('2026-06-01T10:05:00.000Z');
  });
});

describe('escalation: steps', () => {
  let now: Date;
  let alerts: FakeAlerts, notifier: FakeNotifier, scheduler: FakeScheduler;
  let people: Map<string, Person>, teams: Map<string, Team>, schedules: Map<string, Schedule>;
  let policy: EscalationPolicy;
  let service: EscalationService;
  let deps: EscalationDeps;
  const ana = person('a'), jonas = person('b'), lena = person('c', { roles: ['manager'], managerId: id('d') }), sofia = person('d', { roles: ['leader'] });
  const newYorker = person('e', { timeZone: 'America/New_York' });

  /** A service whose first steps run in process, each held at the person's notification until `open()`. */
  const gatedInProcess = (maxRunning: number, maxWaiting: number) => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const gated: EscalationNotifier = {
      notifyPerson: async (alert, personId, progress, key) => gate.then(() => notifier.notifyPerson(alert, personId, progress, key)),
      postToTeam: (alert, team, progress, key) => notifier.postToTeam(alert, team, progress, key),
      notifyOwners: () => notifier.notifyOwners(),
    };
    const logger = { warn: () => undefined } as unknown as Logger;
    return { open, service: new EscalationService({ ...deps, notifier: gated, firstStepNow: { graceMs: 40_000, maxRunning, maxWaiting, logger } }) };
  };

  const schedule = (): Schedule => ({
    id: 'S1', teamId: 'T1', name: 'Platform', timeZone: 'Europe/Berlin', overrides: [], createdAt: new Date(0), updatedAt: new Date(0),
    layers: [{ name: 'primary', people: [ana.id, jonas.id], shift: 'P1W', handoff: '09:00', start: '2026-06-01', timeZone: 'Europe/Berlin', restriction: null }],
  });
  const openAlert = (alertId = 'A1') => {
    alerts.alerts.set(alertId, { id: alertId, teamId: 'T1', source: 'kpi', severity: 'critical', status: 'open', silencedUntil: null, snoozedUntil: null, openedAt: now, escalation: null, wave: 0 });
  };
  const run = (repeat: number, step: number, alertId = 'A1') => service.runStep(alertId, repeat, step);
  /** An alert as written with its snapshot (what `opened` hands `start`). */
  const writtenAlert = async (alertId: string) => {
    openAlert(alertId);
    const a = alerts.alerts.get(alertId)!;
    a.escalation = await service.plan(a);
    return { ...a };
  };
  /** The queued jobs as [job id (a crash net's by its name: its id is random), payload, due]. */
  const netOf = (alertIds: string[]) => ({ net: expect.any(String), alertIds });
  const jobsNow = () => [...scheduler.jobs].map(([jobId, j]) => [j.name === ESCALATION_JOBS.net ? j.name : jobId, j.data, j.at]);
  const settled = async (s: EscalationService) => {
    while (s.firstStepsRunning > 0) await new Promise((resolve) => setImmediate(resolve));
    await s.settle(Date.now() + 5_000);
  };

  beforeEach(() => {
    now = new Date('2026-06-03T10:00:00Z'); // Wednesday, 12:00 in Berlin
    alerts = new FakeAlerts();
    notifier = new FakeNotifier();
    scheduler = new FakeScheduler();
    people = new Map([ana, jonas, lena, sofia, newYorker].map((p) => [p.id, p]));
    teams = new Map([['T1', { id: 'T1', name: 'Platform', managerId: lena.id, memberIds: [ana.id, jonas.id], channels: {}, createdAt: new Date(0), updatedAt: new Date(0) }]]);
    schedules = new Map([['S1', schedule()]]);
    policy = {
      id: 'P1', name: 'Platform default', urgency: 'high', repeat: 1, createdAt: new Date(0), updatedAt: new Date(0),
      steps: [
        { delayMinutes: 0, target: { kind: 'oncall', scheduleId: 'S1' } },
        { delayMinutes: 10, target: { kind: 'manager' } },
        { delayMinutes: 15, target: { kind: 'role', role: 'leader' } },
        { delayMinutes: 0, target: { kind: 'channel' } },
      ],
    };
    deps = {
      alerts, notifier, scheduler,
      policies: { choose: async () => policy },
      schedules: { getSchedule: async (s) => schedules.get(s) ?? null },
      people: { get: async (p) => people.get(p) ?? null, getMany: async (ids) => ids.flatMap((p) => (people.has(p) ? [people.get(p)!] : [])) },
      teams: { get: async (t) => teams.get(t) ?? null },
      clock: { now: () => now },
    };
    service = new EscalationService(deps);
    openAlert();
  });

  it('start freezes the policy and who is on call, and queues the first step once however often it is called', async () => {
    const snapshot = await service.start('A1');
    expect(snapshot).toMatchObject({ policyId: 'P1', urgency: 'high', repeat: 1, managerId: lena.id, onCall: { S1: ana.id } });
    await service.start('A1');
    expect([...scheduler.jobs.keys()]).toEqual(['escalation:A1:0:0']);
    expect(scheduler.jobs.get('escalation:A1:0:0')).toMatchObject({ name: ESCALATION_JOBS.step, at: now });
    // Later edits to the policy do not change the running escalation.
    policy.steps = [{ delayMinutes: 0, target: { kind: 'channel' } }];
    await service.start('A1');
    expect(alerts.alerts.get('A1')!.escalation!.steps).toHaveLength(4);
    expect(alerts.kinds('A1')).toEqual(['escalation_started']);
  });

  it('a first step due now runs in process, its job waiting as the crash net and discarded once done; one that waited its turn reads the alert first; beyond, the job runs it', async () => {
    const { open, service: gated } = gatedInProcess(1, 1);
    service = gated;
    const [a1, a2, a3] = [await writtenAlert('A1'), await writtenAlert('A2'), await writtenAlert('A3')];
    await service.start(a1); // runs now, held at the gate
    await service.start(a2); // waits its turn
    await service.start(a3); // beyond: a job as before
    expect(service.firstStepsRunning).toBe(2);
    const grace = new Date(now.getTime() + 40_000);
    // Started one after the other: a crash net each (see the next test for a burst), due after the grace.
    expect(jobsNow()).toEqual([[ESCALATION_JOBS.net, netOf(['A1']), grace], [ESCALATION_JOBS.net, netOf(['A2']), grace], ['escalation:A3:0:0', { alertId: 'A3', repeat: 0, step: 0 }, now]]);
    alerts.alerts.get('A2')!.status = 'acknowledged'; // while it waits
    open();
    await settled(service);
    expect(notifier.sent.map((s) => s.key)).toEqual([`escalation:A1:0:0:${ana.id}`]);
    expect(alerts.kinds('A2')).toEqual(['stopped']);
    // Both steps done: their crash nets discarded; A1's next step queued; A3's job left to run it.
    expect([...scheduler.jobs.keys()]).toEqual(['escalation:A3:0:0', 'escalation:A1:0:1']);
  });

  it('first steps started together share one crash net, discarded once the last of them ends', async () => {
    const { open, service: gated } = gatedInProcess(8, 8);
    service = gated;
    const written = await Promise.all(['A1', 'A2', 'A3'].map((alertId) => writtenAlert(alertId)));
    await Promise.all(written.map((a) => service.start(a)));
    expect(jobsNow()).toEqual([[ESCALATION_JOBS.net, netOf(['A1', 'A2', 'A3']), new Date(now.getTime() + 40_000)]]);
    alerts.alerts.get('A3')!.status = 'resolved'; // read only when it waited: run from the alert in hand, it pages
    open();
    await settled(service);
    expect(notifier.sent.map((s) => s.key).sort()).toEqual(['A1', 'A2', 'A3'].map((a) => `escalation:${a}:0:0:${ana.id}`).sort());
    expect([...scheduler.jobs.keys()]).toEqual(['escalation:A1:0:1', 'escalation:A2:0:1', 'escalation:A3:0:1']);
  });

  it('a first step does not wait for its crash net: it pages while the net is queued, start resolves once it is, and the net is discarded after its add', async () => {
    const logger = { warn: () => undefined } as unknown as Logger;
    let add!: () => void;
    const held = new Promise<void>((resolve) => (add = resolve));
    const slowNets: FakeScheduler = Object.assign(new FakeScheduler(), {
      async enqueue(this: FakeScheduler, name: string, data: Record<string, unknown>, opts: { jobId: string; at?: Date }) {
        if (name === ESCALATION_JOBS.net) await held;
        return FakeScheduler.prototype.enqueue.call(this, name, data, opts);
      },
    });
    scheduler = slowNets;
    service = new EscalationService({ ...deps, scheduler, firstStepNow: { graceMs: 40_000, maxRunning: 8, maxWaiting: 8, logger } });
    let started = false;
    const starting = service.start(await writtenAlert('A1')).then(() => (started = true));
    while (notifier.sent.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    // Paged, its next step queued, while the net's add is still held: the opening not answered yet.
    expect({ sent: notifier.sent.map((s) => s.key), jobs: [...scheduler.jobs.keys()], started }).toEqual({ sent: [`escalation:A1:0:0:${ana.id}`], jobs: ['escalation:A1:0:1'], started: false });
    add();
    await starting;
    await settled(service);
    // The net was added, then discarded: the step had ended.
    expect([...scheduler.jobs.keys()]).toEqual(['escalation:A1:0:1']);
  });

  it('a crash net joined while the alert is written is the one start takes; given up when the alert is not written, it is discarded', async () => {
    const logger = { warn: () => undefined } as unknown as Logger;
    const netAdds: unknown[] = [];
    const counting: FakeScheduler = Object.assign(new FakeScheduler(), {
      async enqueue(this: FakeScheduler, name: string, data: Record<string, unknown>, opts: { jobId: string; at?: Date }) {
        if (name === ESCALATION_JOBS.net) netAdds.push(data.alertIds);
        return FakeScheduler.prototype.enqueue.call(this, name, data, opts);
      },
    });
    scheduler = counting;
    service = new EscalationService({ ...deps, scheduler, firstStepNow: { graceMs: 40_000, maxRunning: 8, maxWaiting: 8, logger } });
    service.reserveNet('A1');
    const lost = service.reserveNet('A2'); // its dedup key will lose the race: never written
    // Both in one net, queued before either alert is written (and before start is called).
    while (netAdds.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    expect(jobsNow()).toEqual([[ESCALATION_JOBS.net, netOf(['A1', 'A2']), new Date(now.getTime() + 40_000)]]);
    lost();
    await service.start(await writtenAlert('A1'));
    await settled(service);
    expect(notifier.sent.map((s) => s.key)).toEqual([`escalation:A1:0:0:${ana.id}`]);
    // No second net for A1; the net discarded once A1's step ended and A2's place was given up.
    expect({ netAdds, jobs: [...scheduler.jobs.keys()] }).toEqual({ netAdds: [['A1', 'A2']], jobs: ['escalation:A1:0:1'] });
  });

  it('a first step that fails gets its own job at once, the net is discarded with the others; a net whose step could not be handed over is kept', async () => {
    const logger = { warn: () => undefined } as unknown as Logger;
    const failing: EscalationNotifier = {
      notifyPerson: async (alert, personId, progress, key) => (alert.id === 'A2' ? Promise.reject(new Error('Slack is down')) : notifier.notifyPerson(alert, personId, progress, key)),
      postToTeam: (alert, team, progress, key) => notifier.postToTeam(alert, team, progress, key),
      notifyOwners: () => notifier.notifyOwners(),
    };
    service = new EscalationService({ ...deps, notifier: failing, firstStepNow: { graceMs: 40_000, maxRunning: 8, maxWaiting: 8, logger } });
    await Promise.all((await Promise.all(['A1', 'A2'].map((a) => writtenAlert(a)))).map((a) => service.start(a)));
    await settled(service);
    expect(jobsNow()).toEqual([['escalation:A1:0:1', { alertId: 'A1', repeat: 0, step: 1, wave: 0 }, new Date(now.getTime() + 10 * 60_000)], ['escalation:A2:0:0', { alertId: 'A2', repeat: 0, step: 0, wave: 0 }, undefined]]);

    // The step's own job cannot be queued either (Redis down): the net stays, to run the step after its grace.
    scheduler.jobs.clear();
    const enqueue = scheduler.enqueue.bind(scheduler);
    scheduler.enqueue = async (name, data, opts) => (name === ESCALATION_JOBS.step ? Promise.reject(new Error('Redis is down')) : enqueue(name, data, opts));
    await Promise.all((await Promise.all(['A3', 'A2'].map((a) => writtenAlert(a)))).map((a) => service.start(a)));
    await settled(service);
    const [net] = jobsNow();
    expect(net).toEqual([ESCALATION_JOBS.net, netOf(['A3', 'A2']), new Date(now.getTime() + 40_000)]);

    // The net runs (here or in another process: all its steps ended): each of its alerts' first steps queued under
    // its own id; the alert whose page went out only reads.
    scheduler.enqueue = enqueue;
    const { net: netId, alertIds } = net![1] as { net: string; alertIds: string[] };
    await service.catchUp(netId, alertIds);
    expect(jobsNow().slice(1).map(([jobId, data]) => [jobId, data])).toEqual([
      ['escalation:A3:0:0', { alertId: 'A3', repeat: 0, step: 0, wave: 0 }],
      ['escalation:A2:0:0', { alertId: 'A2', repeat: 0, step: 0, wave: 0 }],
    ]);
    const sent = notifier.sent.length;
    await run(0, 0, 'A3');
    expect(notifier.sent.length).toBe(sent);
  });

  it('a crash net run by its own process while some of its steps still run (longer than the grace) queues those only', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const logger = { warn: () => undefined } as unknown as Logger;
    const slowForA3: EscalationNotifier = {
      notifyPerson: async (alert, personId, progress, key) => (alert.id === 'A3' ? gate : Promise.resolve()).then(() => notifier.notifyPerson(alert, personId, progress, key)),
      postToTeam: (alert, team, progress, key) => notifier.postToTeam(alert, team, progress, key),
      notifyOwners: () => notifier.notifyOwners(),
    };
    service = new EscalationService({ ...deps, notifier: slowForA3, firstStepNow: { graceMs: 40_000, maxRunning: 8, maxWaiting: 8, logger } });
    const written = await Promise.all(['A1', 'A2', 'A3'].map((alertId) => writtenAlert(alertId)));
    await Promise.all(written.map((a) => service.start(a)));
    const { net, alertIds } = [...scheduler.jobs.values()].find((j) => j.name === ESCALATION_JOBS.net)!.data as { net: string; alertIds: string[] };
    // A1's and A2's steps ended (their next steps queued, the last thing they do), A3's held.
    while (!scheduler.jobs.has('escalation:A1:0:1') || !scheduler.jobs.has('escalation:A2:0:1')) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    await service.catchUp(net, alertIds); // A1 and A2 paged, A3 still held
    const firstSteps = () => [...scheduler.jobs.keys()].filter((jobId) => jobId.endsWith(':0:0'));
    expect(firstSteps()).toEqual(['escalation:A3:0:0']);
    open();
    await settled(service);
    // All ended here: a net that runs now (in this process or another) queues every alert again (none is known done).
    scheduler.jobs.clear();
    await service.catchUp(net, alertIds);
    expect(firstSteps()).toEqual(['escalation:A1:0:0', 'escalation:A2:0:0', 'escalation:A3:0:0']);
  });

  it('a step run again after the alert closed writes no "not run" line when it had written its lines; a later step does', async () => {
    Object.assign(alerts.alerts.get('A1')!, { status: 'acknowledged', cursor: { repeat: 0, step: 0 } });
    expect(await run(0, 0)).toEqual({ kind: 'stopped', reason: 'acknowledged' });
    expect(alerts.kinds('A1')).toEqual([]);
    expect(await run(0, 1)).toEqual({ kind: 'stopped', reason: 'acknowledged' });
    expect(alerts.kinds('A1')).toEqual(['stopped']);
  });

  it('at shutdown, settle waits for the first steps running in process, no longer than its deadline', async () => {
    const { open, service: gated } = gatedInProcess(4, 4);
    service = gated;
    await service.settle(Date.now() + 60_000); // nothing running: at once
    openAlert('A1');
    const a1 = alerts.alerts.get('A1')!;
    a1.escalation = await service.plan(a1);
    await service.start({ ...a1 });
    expect(service.firstStepsRunning).toBe(1);
    await service.settle(Date.now() - 1); // deadline passed: does not wait
    expect(service.firstStepsRunning).toBe(1);
    const settled = service.settle(Date.now() + 60_000);
    open();
    await settled;
    expect(service.firstStepsRunning).toBe(0);
    expect(notifier.sent.map((s) => s.key)).toEqual([`escalation:A1:0:0:${ana.id}`]);
    // The net discarded before settle resolved (the queues close after it); the next step queued.
    expect([...scheduler.jobs.keys()]).toEqual(['escalation:A1:0:1']);
  });

  it('runs the whole chain under the clock: each step its target, every round, then stops', async () => {
    await service.start('A1');
    const ran = new Set<string>();
    for (;;) {
      const due = [...scheduler.jobs.entries()].find(([jobId]) => !ran.has(jobId));
      if (!due) break;
      ran.add(due[0]);
      now = due[1].at ?? now;
      await run(Number(due[1].data.repeat), Number(due[1].data.step));
    }
    expect(notifier.sent.map((s) => [s.repeat, s.step, s.to === ana.id ? 'ana' : s.to === lena.id ? 'lena' : s.to === sofia.id ? 'sofia' : s.to])).toEqual([
      [0, 0, 'ana'], [0, 1, 'lena'], [0, 2, 'sofia'], [0, 3, 'channel:Platform'],
      [1, 0, 'ana'], [1, 1, 'lena'], [1, 2, 'sofia'], [1, 3, 'channel:Platform'],
    ]);
    expect(now.toISOString()).toBe('2026-06-03T10:50:00.000Z'); // 0 + 10 + 15 + 0, twice
  });
  it('a step retried after a crash sends nothing twice and queues the same next job', async () => {
    await service.start('A1');
    await run(0, 0);
    await run(0, 0);
    expect(notifier.sent).toHaveLength(1);
    expect([...scheduler.jobs.keys()]).toEqual([stepJobId('A1', 0, 0), stepJobId('A1', 0, 1)]);
    expect(scheduler.jobs.get(stepJobId('A1', 0, 1))!.at).toEqual(new Date(now.getTime() + 10 * 60_000));
    expect(alerts.kinds('A1')).toEqual(['escalation_started', 'notified']);
  });

  it('does nothing once the alert is acknowledged, resolved or silenced, and goes on after a silence runs out', async () => {
    await service.start('A1');
    alerts.alerts.get('A1')!.status = 'acknowledged';
    expect(await run(0, 0)).toEqual({ kind: 'stopped', reason: 'acknowledged' });
    alerts.alerts.get('A1')!.status = 'resolved';
    expect(await run(0, 1)).toEqual({ kind: 'stopped', reason: 'resolved' });
    alerts.alerts.get('A1')!.status = 'open';
    alerts.alerts.get('A1')!.silencedUntil = new Date(now.getTime() + 30 * 60_000);
    expect(await run(0, 2)).toEqual({ kind: 'stopped', reason: 'silenced' });
    expect(notifier.sent).toEqual([]);
    expect(scheduler.jobs.size).toBe(1);
    now = new Date(now.getTime() + 31 * 60_000);
    expect((await run(0, 0)).kind).toBe('ran');
    expect(notifier.sent).toHaveLength(1);
  });

  it('a schedule edited during the escalation is ignored; an override made during it applies to its next step', async () => {
    await service.start('A1');
    schedules.set('S1', { ...schedule(), layers: [{ ...schedule().layers[0]!, people: [jonas.id] }] });
    await run(0, 0);
    expect(notifier.sent.at(-1)?.to).toBe(ana.id);
    schedules.set('S1', { ...schedules.get('S1')!, overrides: [{ id: 'o1', personId: newYorker.id, start: now, end: new Date(now.getTime() + 3_600_000), createdBy: 'x', createdAt: now }] });
    await run(1, 0);
    expect(notifier.sent.at(-1)?.to).toBe(newYorker.id);
  });

  it('a named person; the manager frozen with the alert; nobody reachable moves to the next step at once', async () => {
    policy.steps = [{ delayMinutes: 0, target: { kind: 'person', personId: jonas.id } }, { delayMinutes: 30, target: { kind: 'manager' } }, { delayMinutes: 30, target: { kind: 'channel' } }];
    await service.start('A1');
    teams.set('T1', { ...teams.get('T1')!, managerId: sofia.id });
    expect(await run(0, 0)).toMatchObject({ notified: [jonas.id] });
    notifier.unreachable.add(lena.id);
    const outcome = await run(0, 1);
    expect(outcome).toMatchObject({ kind: 'ran', notified: [], undeliverable: [lena.id], next: { jobId: stepJobId('A1', 0, 2), at: now } });
    expect(alerts.kinds('A1')).toContain('undeliverable');
  });

  it('low urgency waits for the person’s working hours, and the deferred notification still checks the alert', async () => {
    policy.urgency = 'low';
    policy.steps = [{ delayMinutes: 0, target: { kind: 'person', personId: ana.id } }, { delayMinutes: 0, target: { kind: 'person', personId: newYorker.id } }];
    now = new Date('2026-06-05T20:00:00Z'); // Friday 22:00 in Berlin, 16:00 in New York
    openAlert('A2');
    await service.start('A2');
    const first = await run(0, 0, 'A2');
    expect(first).toMatchObject({ notified: [], deferred: [{ personId: ana.id, at: new Date('2026-06-08T07:00:00Z') }] }); // Monday 09:00 CEST
    expect(scheduler.jobs.get(`escalation:A2:0:0:${ana.id}:deferred`)).toMatchObject({ name: ESCALATION_JOBS.notify, at: new Date('2026-06-08T07:00:00Z') });
    expect(await run(0, 1, 'A2')).toMatchObject({ notified: [newYorker.id] }); // within New York's working day
    now = new Date('2026-06-08T07:00:00Z');
    alerts.alerts.get('A2')!.status = 'acknowledged';
    expect(await service.notifyDeferred('A2', 0, 0, ana.id)).toEqual({ kind: 'stopped', reason: 'acknowledged' });
    expect(notifier.sent.map((s) => s.to)).toEqual([newYorker.id]);
  });

  it('no routing match and no default: recorded on the timeline, nothing queued', async () => {
    service = new EscalationService({ ...deps, policies: { choose: async () => null } });
    expect(await service.start('A1')).toBeNull();
    expect(alerts.kinds('A1')).toEqual(['no_policy']);
    expect(scheduler.jobs.size).toBe(0);
  });
});

describe('working hours', () => {
  const berlin = person('a');
  it('09:00–18:00 local on working days; else the next working day at 09:00', () => {
    expect(isWorkingTime(berlin, new Date('2026-06-03T07:00:00Z'))).toBe(true); // Wed 09:00
    expect(isWorkingTime(berlin, new Date('2026-06-03T16:00:00Z'))).toBe(false); // Wed 18:00
    expect(nextWorkingTime(berlin, new Date('2026-06-03T05:00:00Z')).toISOString()).toBe('2026-06-03T07:00:00.000Z'); // early Wed -> Wed 09:00
    expect(nextWorkingTime(berlin, new Date('2026-06-06T10:00:00Z')).toISOString()).toBe('2026-06-08T07:00:00.000Z'); // Sat -> Mon
    expect(nextWorkingTime(person('b', { workingDays: [7] }), new Date('2026-03-28T20:00:00Z')).toISOString()).toBe('2026-03-29T07:00:00.000Z'); // Sunday after the spring change: 09:00 CEST
  });
});
