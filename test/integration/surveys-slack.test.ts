import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityKey, type Person, type Team } from '../../src/core/people/people.types.js';
import { generateToken, hashToken } from '../../src/http/admin/tokens.js';
import { bullJobId } from '../../src/jobs/scheduler.js';
import { FakeSlack } from '../support/fake-slack.js';
import { blockActions, messageIm, sendSlack, SLACK_TEAM, slackEnv, viewSubmission } from '../support/slack.js';
import { startTestTandem } from '../support/stack.js';

type Element = { action_id: string; value?: string; text?: { text: string } };
type Blocks = { type: string; elements?: Element[]; text?: { text: string } }[];

/** Every button of a Block Kit message, with its action id as Tandem declared it (without the `#n` that keeps ids unique). */
const buttonsOf = (blocks: unknown): (Element & { id: string })[] =>
  ((blocks ?? []) as Blocks).flatMap((b) => (b.type === 'actions' ? (b.elements ?? []) : [])).map((e) => ({ ...e, id: e.action_id.replace(/#\d+$/, '') }));

/*
 * The whole survey over Slack's real HTTP path: defined through the admin API,
 * opened by the real job worker, answered by six people with buttons, typed
 * replies, skip, the form and a change after confirming; reminded; closed
 * through the API; results to the manager and the leader. Logs (at debug),
 * every database document and every job in Redis are searched for a person
 * next to an answer, during the window and after the close.
 */
describe('a pulse survey answered in Slack (real Bolt stack, fake Slack, real jobs)', () => {
  const logLines: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  let fake: FakeSlack;
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let token: string;
  const people: Record<string, Person> = {};
  let team: Team;
  let surveyId: string;
  let roundId: string;
  const USERS = ['UANA', 'UBEN', 'UCEM', 'UDAN', 'UEVE', 'UFAY'];
  // Distinct free-text answers: if one shows up next to a person anywhere, anonymity is broken.
  const COMMENTS = ['Great team spirit zq1', 'More focus time please zq2', 'Ship less ship better zq3'];

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${tandem.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> };
  };
  const dm = (user: string) => `D${user.slice(1)}`;
  const invitationOf = (user: string) => fake.callsTo('chat.postMessage').find((c) => c.args.channel === dm(user) && JSON.stringify(c.args.blocks).includes('survey.start'));

  /** Clicks a button on a message and waits for the message to be rewritten. */
  const click = async (user: string, ts: string, id: string, label?: string) => {
    const message = fake.messages.get(ts);
    const button = buttonsOf(message?.blocks).find((b) => b.id === id && (label === undefined || b.text?.text === label));
    if (!button) throw new Error(`no ${id} ${label ?? ''} button on ${JSON.stringify(message?.blocks)}`);
    const updates = message?.updates ?? 0;
    const res = await sendSlack(tandem.url, blockActions({ userId: user, actionId: button.action_id, value: button.value ?? '', channelId: dm(user), messageTs: ts, responseUrl: fake.responseUrl() }));
    expect(res.status).toBe(200);
    if (id !== 'survey.form') await fake.waitUntil(() => (fake.messages.get(ts)?.updates ?? 0) > updates, 5000);
    return fake.messages.get(ts);
  };
  /** Types a DM and waits for Tandem's answer in that DM. */
  const type = async (user: string, text: string) => {
    const before = fake.callsTo('chat.postMessage').filter((c) => c.args.channel === dm(user)).length;
    await sendSlack(tandem.url, messageIm({ userId: user, text, channel: dm(user) }));
    await fake.waitUntil(() => fake.callsTo('chat.postMessage').filter((c) => c.args.channel === dm(user)).length > before, 5000);
    return fake.callsTo('chat.postMessage').filter((c) => c.args.channel === dm(user)).at(-1);
  };

  /** Each document, log line and job, as text: none may hold a person id (or Slack user id) together with an answer. */
  const linkProblems = async (): Promise<string[]> => {
    const ids = [...Object.values(people).map((p) => p.id), ...USERS];
    const texts: { where: string; text: string }[] = logLines.map((l, i) => ({ where: `log line ${i}`, text: l }));
    const db = tandem.store.conn.db!;
    for (const c of await db.listCollections().toArray()) {
      for (const d of await db.collection(c.name).find().toArray()) texts.push({ where: `${c.name} ${String(d._id)}`, text: JSON.stringify(d) });
    }
    const redis = new Redis(tandem.config.REDIS_URL);
    for (const key of await redis.keys(`${tandem.config.QUEUE_PREFIX}:*`)) {
      const type = await redis.type(key);
      const value = type === 'hash' ? await redis.hgetall(key) : type === 'list' ? await redis.lrange(key, 0, -1) : type === 'zset' ? await redis.zrange(key, 0, -1) : type === 'string' ? await redis.get(key) : null;
      texts.push({ where: `redis ${key}`, text: `${key} ${JSON.stringify(value)}` });
    }
    redis.disconnect();
    const problems: string[] = [];
    for (const { where, text } of texts) {
      const person = ids.some((id) => text.includes(id));
      const answer = COMMENTS.some((c) => text.includes(c)) || text.includes('"answers"') || /\|(enps|workload|why)\|/.test(text);
      if (person && answer) problems.push(where);
      // No answer text at all in logs or jobs.
      if (!where.startsWith('survey_') && COMMENTS.some((c) => text.includes(c)) && (where.startsWith('log') || where.startsWith('redis'))) problems.push(`${where} (answer text)`);
    }
    return problems;
  };

  beforeAll(async () => {
    fake = await FakeSlack.start();
    for (const u of [...USERS, 'UMIA', 'ULEA']) fake.addUser({ id: u, realName: `${u.slice(1)} Person`, email: `${u.toLowerCase()}@example.com`, tz: 'Europe/Lisbon' });
    tandem = await startTestTandem(slackEnv(fake, { TEAMS_ENABLED: 'false', CONSOLE_ENABLED: 'false', LOG_LEVEL: 'debug' }), { logStream });
    const identify = (userId: string) => tandem.core.people.identify({ platform: 'slack', key: identityKey.slack(SLACK_TEAM, userId), teamId: SLACK_TEAM, userId }, async () => ({}));
    for (const u of [...USERS, 'UMIA', 'ULEA']) {
      const p = await identify(u);
      // Every day is a working day, so the invitation goes out today whatever day the test runs.
      people[u] = await tandem.store.people.update(p.id, { workingDays: [1, 2, 3, 4, 5, 6, 7], ...(u === 'ULEA' ? { roles: ['leader'] } : u === 'UMIA' ? { roles: ['manager'] } : {}) });
    }
    team = await tandem.store.teams.create({ name: 'Lisbon', managerId: people.UMIA!.id, memberIds: USERS.map((u) => people[u]!.id) });
    token = generateToken();
    await tandem.store.tokens.create({ name: 'surveys', hash: hashToken(token), scopes: ['surveys:read', 'surveys:write', 'audit:read'] });
  });
  afterAll(async () => {
    await tandem?.cleanup();
    await fake?.close();
  });

  it('defines the survey through the admin API and the job worker invites everyone with the intro DM', async () => {
    const created = await api('POST', '/surveys', {
      name: 'Lisbon pulse',
      questions: [
        { id: 'enps', text: 'How likely are you to recommend working here to a friend?', kind: 'scale10' },
        { id: 'workload', text: 'My workload is manageable.', kind: 'agree5' },
        { id: 'why', text: 'Anything to add?', kind: 'text' },
      ],
      audience: { kind: 'teams', teamIds: [team.id] },
      schedule: { kind: 'once', time: '00:00' },
    });
    expect(created.status).toBe(201);
    surveyId = String(created.body.id);
    await fake.waitUntil(() => USERS.every((u) => invitationOf(u)), 15_000);
    const intro = JSON.stringify(invitationOf('UANA')?.args.blocks);
    expect(intro).toContain('How anonymity works');
    expect(intro).toContain('groups of 5 or more');
    expect(buttonsOf(invitationOf('UANA')?.args.blocks).map((b) => b.id)).toEqual(['survey.start', 'survey.form']);
    const detail = await api('GET', `/surveys/${surveyId}`);
    const rounds = detail.body.rounds as { id: string; status: string; invited: number }[];
    expect(rounds).toMatchObject([{ status: 'open', invited: 6 }]);
    roundId = rounds[0]!.id;
    // Each invitation job queued its person's first reminder (the next working day) after sending the invitation.
    const firstReminders = async () => Promise.all(USERS.map((u) => tandem.jobs.queue('surveys').getJob(bullJobId(`survey.remind:${roundId}:${people[u]!.id}:1`))));
    for (let i = 0; i < 50 && (await firstReminders()).some((j) => !j); i += 1) await new Promise((r) => setTimeout(r, 100));
    expect((await firstReminders()).map((j) => j?.name)).toEqual(USERS.map(() => 'survey.remind'));
    // Results do not exist before the close: no live tallies.
    expect((await api('GET', `/surveys/${surveyId}/results`)).status).toBe(409);
  });

  it('refuses bad surveys with a 422 and a reason, needs the scope, and says in OpenAPI that no answer is ever returned', async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => ({ id: `q${i}`, text: `Question ${i}`, kind: 'agree5' }));
    const tooMany = await api('POST', '/surveys', { name: 'Long', questions: eleven, audience: { kind: 'org' }, schedule: { kind: 'once' } });
    expect(tooMany.status).toBe(422);
    expect(JSON.stringify(tooMany.body)).toContain('questions');
    const noOptions = await api('POST', '/surveys', { name: 'Pick', questions: [{ id: 'c', text: 'Which one?', kind: 'choice' }], audience: { kind: 'org' }, schedule: { kind: 'once' } });
    expect(noOptions.status).toBe(422);
    const unknownTeam = await api('POST', '/surveys', { template: 'enps', audience: { kind: 'teams', teamIds: ['a'.repeat(24)] }, schedule: { kind: 'once' } });
    expect(unknownTeam.status).toBe(422);
    const templates = await api('GET', '/surveys/templates');
    expect(JSON.stringify(templates.body)).toContain('How likely are you to recommend working here to a friend?');
    const noScope = await fetch(`${tandem.url}/api/v1/surveys`, { headers: { authorization: 'Bearer tdm_nope' } });
    expect(noScope.status).toBe(401);
    const openapi = (await (await fetch(`${tandem.url}/api/v1/openapi.json`)).json()) as { info: { description: string }; paths: Record<string, unknown> };
    expect(openapi.info.description).toContain('no endpoint returns an individual survey answer');
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/surveys', '/surveys/{id}/results']));
  });

  it('asks one question at a time with buttons (0–10 as two rows), takes typed text and skips, and confirms a summary', async () => {
    const ts = String(invitationOf('UANA')?.answer.ts);
    let m = await click('UANA', ts, 'survey.start');
    const rows = (m?.blocks as Blocks).filter((b) => b.type === 'actions').map((b) => (b.elements ?? []).map((e) => e.text?.text));
    expect(rows.slice(0, 2)).toEqual([['0', '1', '2', '3', '4', '5'], ['6', '7', '8', '9', '10']]);
    expect(JSON.stringify(m?.blocks)).toContain('Skip question');
    m = await click('UANA', ts, 'survey.pick', '9');
    expect(JSON.stringify(m?.blocks)).toContain('2/3');
    m = await click('UANA', ts, 'survey.pick', '4 · Agree');
    expect(JSON.stringify(m?.blocks)).toContain('Type your answer');
    const summary = await type('UANA', COMMENTS[0]!);
    expect(JSON.stringify(summary?.args.blocks)).toContain('Confirm');
    expect(JSON.stringify(summary?.args.blocks)).toContain('9');
    const summaryTs = String(summary?.answer.ts);
    m = await click('UANA', summaryTs, 'survey.confirm');
    expect(String(m?.text)).toContain('are in');
    // The thank-you message keeps no answer.
    expect(JSON.stringify(m?.blocks)).not.toContain(COMMENTS[0]!);

    // Ben: buttons, then "skip question" on the free text.
    const bts = String(invitationOf('UBEN')?.answer.ts);
    await click('UBEN', bts, 'survey.start');
    await click('UBEN', bts, 'survey.pick', '10');
    await click('UBEN', bts, 'survey.pick', '5 · Strongly agree');
    m = await click('UBEN', bts, 'survey.skip');
    expect(JSON.stringify(m?.blocks)).toContain('skipped');
    await click('UBEN', bts, 'survey.confirm');

    // Fay: typed answers all the way, "confirm" typed too.
    await click('UFAY', String(invitationOf('UFAY')?.answer.ts), 'survey.start');
    await type('UFAY', '10');
    await type('UFAY', '4');
    await type('UFAY', COMMENTS[2]!);
    expect(String((await type('UFAY', 'confirm'))?.args.text)).toContain('are in');

    // Eve starts and never finishes.
    const ets = String(invitationOf('UEVE')?.answer.ts);
    await click('UEVE', ets, 'survey.start');
    await click('UEVE', ets, 'survey.pick', '2');
    expect(String((await type('UEVE', 'stop'))?.args.text)).toBe('Paused');
  });

  it('offers a form instead, and takes its answers', async () => {
    const ts = String(invitationOf('UCEM')?.answer.ts);
    await click('UCEM', ts, 'survey.form');
    await fake.waitFor('views.open');
    const modal = fake.callsTo('views.open').at(-1)?.args.view as Record<string, unknown>;
    expect(modal).toMatchObject({ type: 'modal', callback_id: 'survey.answer', private_metadata: roundId });
    const res = await sendSlack(
      tandem.url,
      viewSubmission({
        userId: 'UCEM',
        callbackId: 'survey.answer',
        privateMetadata: roundId,
        values: {
          enps: { enps: { type: 'static_select', selected_option: { value: '6' } } },
          workload: { workload: { type: 'radio_buttons', selected_option: { value: '3' } } },
          why: { why: { type: 'plain_text_input', value: COMMENTS[1] } },
        },
      }),
    );
    expect(res.status).toBe(200);
    // Counted at the close (5 respondents, Cem's 6 and 3 in the figures).
  });

  it('lets answers change until the close', async () => {
    const ts = String(invitationOf('UDAN')?.answer.ts);
    await click('UDAN', ts, 'survey.start');
    await click('UDAN', ts, 'survey.pick', '3');
    await click('UDAN', ts, 'survey.pick', '2 · Disagree');
    await click('UDAN', ts, 'survey.skip');
    await click('UDAN', ts, 'survey.confirm');
    // Changes his mind: 3 -> 8, keeps the rest.
    await click('UDAN', ts, 'survey.edit');
    const m = await click('UDAN', ts, 'survey.pick', '8');
    expect(JSON.stringify(m?.blocks)).toContain('2/3');
    expect(JSON.stringify(m?.blocks)).toContain('Your answer so far: 2 · Disagree');
    await click('UDAN', ts, 'survey.pick', '2 · Disagree');
    await click('UDAN', ts, 'survey.skip');
    await click('UDAN', ts, 'survey.confirm');
  });

  it('reminds only the person who has not finished', async () => {
    const reminded: string[] = [];
    for (const u of USERS) if (await tandem.core.surveys.remind(roundId, people[u]!.id, 1)) reminded.push(u);
    expect(reminded).toEqual(['UEVE']);
    expect(fake.callsTo('chat.postMessage').some((c) => c.args.channel === dm('UEVE') && String(c.args.text).startsWith('Reminder'))).toBe(true);
  });

  it('holds no person next to an answer while the survey is open', async () => {
    expect(await linkProblems()).toEqual([]);
  });

  it('closes through the API: results with hand-computed eNPS and mean, to the manager and the leader; nothing changes after', async () => {
    const closed = await api('POST', `/surveys/${surveyId}/close`);
    expect(closed.status).toBe(200);
    // Finished: Ana 9, Ben 10, Cem 6, Dan 8 (changed from 3), Fay 10; Eve did not confirm.
    // eNPS: promoters 9, 10, 10 (3), detractors 6 (1) of 5 -> 60 % - 20 % = +40. Workload 4, 5, 3, 2, 4 -> 3.6.
    const results = await api('GET', `/surveys/${surveyId}/results?team=${team.id}`);
    expect(results.status).toBe(200);
    expect(results.body.org).toMatchObject({ respondents: 5, invited: 6, responseRate: 0.83, enps: 40 });
    const group = results.body.group as { enps: number; questions: { id: string; mean: number | null; distribution: Record<string, number>; comments: string[] }[] };
    expect(group.enps).toBe(40);
    expect(group.questions.find((q) => q.id === 'workload')).toMatchObject({ mean: 3.6, distribution: { '1': 0, '2': 1, '3': 1, '4': 2, '5': 1 } });
    expect(group.questions.find((q) => q.id === 'enps')?.distribution).toMatchObject({ '6': 1, '8': 1, '9': 1, '10': 2, '3': 0 });
    expect(group.questions.find((q) => q.id === 'why')?.comments.sort()).toEqual([...COMMENTS].sort());

    // Defining and closing are audited under the token, with ids and counts only.
    const audit = await api('GET', `/audit?limit=200`);
    const mine = (audit.body.items as { actor: string; action: string; status: string; target: string; after: Record<string, unknown> }[]).filter((a) => a.action.startsWith('survey.') && a.status === 'done');
    expect(mine.map((a) => `${a.actor} ${a.action} ${a.target}`).sort()).toEqual([`surveys survey.create survey:new`, `surveys survey.round.close survey-round:${surveyId}`]);
    expect(mine.find((a) => a.action === 'survey.create')?.after).toMatchObject({ name: 'Lisbon pulse', audience: { kind: 'teams' } });

    const toManager = fake.callsTo('chat.postMessage').find((c) => c.args.channel === dm('UMIA') && String(c.args.text).startsWith('Results'));
    expect(JSON.stringify(toManager?.args.blocks)).toContain('eNPS *+40*');
    // The distribution and trend picture rides along (uploaded privately, shown by file id); the text stays.
    const image = (toManager?.args.blocks as { type: string; slack_file?: { id: string }; alt_text?: string }[]).find((b) => b.type === 'image');
    expect(image?.alt_text).toContain('answer distribution per question');
    expect(fake.files.get(image!.slack_file!.id)!.bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(fake.callsTo('chat.postMessage').some((c) => c.args.channel === dm('ULEA') && JSON.stringify(c.args.blocks).includes('Organisation'))).toBe(true);

    // The invitations are rewritten; a click after the close changes nothing, and no reminder goes out.
    expect(JSON.stringify(fake.messages.get(String(invitationOf('UDAN')?.answer.ts))?.blocks)).toContain('has closed');
    await sendSlack(tandem.url, blockActions({ userId: 'UEVE', actionId: 'survey.start', value: roundId, channelId: dm('UEVE'), messageTs: String(invitationOf('UEVE')?.answer.ts), responseUrl: fake.responseUrl() }));
    await fake.waitUntil(() => fake.responses.some((r) => JSON.stringify(r.body).includes('answers can no longer be given or changed')), 5000);
    expect(await tandem.core.surveys.remind(roundId, people.UEVE!.id, 2)).toBe(false);

    // `/tandem pulse` shows the latest results the person may see.
    const pulse = await tandem.core.interactions.runCommand({ actor: people.UMIA!, platform: 'slack' }, 'tandem', 'pulse');
    expect(JSON.stringify(pulse)).toContain('eNPS *+40*');
  });

  it('after the close: no keyed response left, anonymous answers hold no person, key or fine time, and nothing links a person to an answer', async () => {
    const db = tandem.store.conn.db!;
    expect(await db.collection('survey_responses').countDocuments()).toBe(0);
    expect(await db.collection('survey_invitations').countDocuments()).toBe(0);
    const stored = await db.collection('survey_answers').find().toArray();
    expect(stored).toHaveLength(5);
    for (const a of stored) expect(Object.keys(a).sort()).toEqual(['_id', 'answers', 'closedAt', 'roundId', 'surveyId', 'teamIds']);
    expect(new Set(stored.map((a) => (a.closedAt as Date).toISOString())).size).toBe(1);
    expect(await linkProblems()).toEqual([]);
    expect(fake.invalidPayloads).toEqual([]);
  });
});
