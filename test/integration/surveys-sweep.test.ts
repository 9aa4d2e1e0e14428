import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageDto } from '../../src/adapters/console/hub.js';
import type { Person } from '../../src/core/people/people.types.js';
import { dropQueueKeys, startTestTandem } from '../support/stack.js';

type Tandem = Awaited<ReturnType<typeof startTestTandem>>;
const ALL_DAYS = [1, 2, 3, 4, 5, 6, 7];

/*
 * What a Redis that lost its data (or a crash between an open marking its
 * round open and queuing its jobs) would lose of a survey, put back by the
 * surveys' sweep, which the reconciler runs at boot, after a Redis reconnect
 * and on its timer. No workers here: the test runs each job itself.
 */
describe('the survey sweep queues again what Redis lost, and nobody is invited twice', () => {
  let tandem: Tandem;
  const people: Person[] = [];

  const dmOf = async (p: Person): Promise<MessageDto[]> =>
    ((await (await fetch(`${tandem.url}/console/api/conversations/dm:${p.id}/messages?as=${p.id}`)).json()) as { messages: MessageDto[] }).messages;

  beforeAll(async () => {
    tandem = await startTestTandem({ CONSOLE_ENABLED: 'true', TEAMS_ENABLED: 'false' }, { workers: false });
    for (const name of ['Ana', 'Ben', 'Cleo', 'Dev']) {
      const p = await tandem.store.people.create({ name, email: `${name.toLowerCase()}@example.com`, workingDays: ALL_DAYS });
      const res = await fetch(`${tandem.url}/console/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ personId: p.id }) });
      expect(res.status).toBe(200);
      people.push(p);
    }
    await tandem.store.teams.create({ name: 'Crew', memberIds: people.map((p) => p.id) });
  });
  afterAll(async () => {
    await tandem?.cleanup();
  });

  it('requeues the invitations not sent, the reminders of those sent and the close, each once', async () => {
    const survey = await tandem.core.surveys.define({ template: 'enps', audience: { kind: 'org' }, schedule: { kind: 'once', time: '00:00' } });
    const round = await tandem.core.surveys.open(survey.id, 1);
    expect(round?.status).toBe('open');
    const lose = () => dropQueueKeys(tandem.config.REDIS_URL, tandem.config.QUEUE_PREFIX);

    // Everything queued by the open is gone: four invitations and the close come back; a second sweep adds nothing.
    await lose();
    expect(await tandem.core.surveys.sweep()).toBe(people.length + 1);
    expect(await tandem.core.surveys.sweep()).toBe(0);

    // Two invitations go out (each queues its reminders); then Redis loses everything again.
    const [ana, ben] = people;
    expect(await tandem.core.surveys.invite(round!.id, ana!.id)).toBe(true);
    expect(await tandem.core.surveys.invite(round!.id, ben!.id)).toBe(true);
    await lose();
    const reminders = (await Promise.all([ana!, ben!].map((p) => tandem.store.surveys.invitations.get(round!.id, p.id)))).reduce((n, i) => n + i!.remindAt.length, 0);
    expect(reminders).toBeGreaterThan(0);
    expect(await tandem.core.surveys.sweep()).toBe(2 + reminders + 1);

    // Running every invitation job again sends only the two that had not gone out: one invitation each.
    const sent = await Promise.all(people.map((p) => tandem.core.surveys.invite(round!.id, p.id)));
    expect(sent).toEqual([false, false, true, true]);
    for (const p of people) expect((await dmOf(p)).filter((m) => m.html.includes('survey.start'))).toHaveLength(1);

    // A closed round needs nothing; a one-off survey has no next round to queue.
    await tandem.core.surveys.closeNow(survey.id);
    expect((await tandem.core.surveys.get(survey.id)).rounds[0]?.status).toBe('closed');
    await lose();
    expect(await tandem.core.surveys.sweep()).toBe(0);
  });
});
