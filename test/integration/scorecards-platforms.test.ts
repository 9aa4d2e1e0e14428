import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Period, KpiFigure, KpiSource, AlertFigures, PulseSource } from '../../src/core/scorecards/scorecards.types.js';
import { PERSPECTIVES } from '../../src/core/scorecards/scorecards.types.js';
import { FakeConnector, type FakeMember } from '../support/fake-connector.js';
import { FakeSlack } from '../support/fake-slack.js';
import { seedScorecardOrg, NOW, type ScorecardOrg } from '../support/scorecard-org.js';
import { blockActions, blockKitViolations, sendSlack, slackEnv, slashCommand } from '../support/slack.js';
import { startTestTandem } from '../support/stack.js';
import { TEAMS_TENANT, adaptiveCardProblems, botAddedPersonal, cardOf, click, executeActions, personalConversationId, postActivity, teamsMessage } from '../support/teams.js';

/** 20 KPIs, five per perspective, with realistic names, units and comments: what the KPI feature will report. */
const kpis: KpiFigure[] = Array.from({ length: 20 }, (_, i) => ({
  key: `kpi-${i + 1}`,
  name: ['Net revenue retention', 'Customer satisfaction (CSAT)', 'Deployment lead time', 'Training hours per person'][i % 4]! + ` ${i + 1}`,
  perspective: PERSPECTIVES[i % 4]!,
  unit: ['%', 'pts', 'h', 'h'][i % 4]!,
  direction: i % 4 === 2 ? 'down' : 'up',
  target: 100 + i,
  actual: 90 + i * 2,
  status: (['green', 'amber', 'red'] as const)[i % 3]!,
  trendPoints: [80 + i, 85 + i, 90 + i * 2],
  openAlerts: i % 5 === 0 ? 2 : 0,
  latestComment: { text: 'Dip explained by the holiday season; recovery plan agreed with sales', authorId: 'x'.repeat(24), at: NOW },
  ownerId: null,
  teamId: null,
}));
const kpiSource: KpiSource = { setUp: () => Promise.resolve(true), kpisFor: (_teams: readonly string[], _p: Period) => Promise.resolve(kpis) };
const alertFigures: AlertFigures = { setUp: () => Promise.resolve(true), forTeams: () => Promise.resolve({ count: 7, medianAckMs: 4 * 60_000, medianResolveMs: 90 * 60_000, afterHoursPages: 2 }) };
const pulse: PulseSource = { setUp: () => Promise.resolve(true), latest: () => Promise.resolve({ enps: 23, responseRate: 0.81, suppressed: false, enpsTrend: [10, 18, 23], roundEndedAt: NOW }) };

type SlackBlock = { type: string; text?: { text: string }; elements?: { text?: string | { text: string }; action_id?: string; value?: string }[]; fields?: { text: string }[] };
const slackText = (blocks: SlackBlock[]): string => JSON.stringify(blocks);

describe('scorecards on Slack and Teams: 10 teams and 20 KPIs in one message and one card, drill-down buttons', () => {
  let slack: FakeSlack;
  let connector: FakeConnector;
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let org: ScorecardOrg;
  const SOFIA_TEAMS: FakeMember = { id: '29:1sofia000000000000000000000000000000000000000000000000000000000000000000', name: 'Sofia Lindqvist', aadObjectId: '5a5a5a5a-0000-4000-8000-00000000c0c0', email: 'sc1@example.com', tenantId: TEAMS_TENANT };

  beforeAll(async () => {
    slack = await FakeSlack.start();
    slack.addUser({ id: 'USOFIA', realName: 'Sofia Lindqvist', email: 'sc1@example.com', tz: 'Europe/Berlin' });
    connector = await FakeConnector.start({ members: [SOFIA_TEAMS] });
    tandem = await startTestTandem({ ...slackEnv(slack), CONSOLE_ENABLED: 'false', PUBLIC_URL: 'https://tandem.example.com' }, { clock: { now: () => new Date(NOW) }, workers: false, scorecardSources: { kpiSource: kpiSource, alertFigures, pulse } });
    org = await seedScorecardOrg(tandem.store);
    for (let i = 4; i <= 10; i += 1) await tandem.store.teams.create({ name: `Squad ${i}`, managerId: org.priya.id, memberIds: [org.fay.id] });
    expect((await postActivity(tandem.url, botAddedPersonal({ serviceUrl: connector.serviceUrl, user: SOFIA_TEAMS }))).status).toBe(200);
  });
  afterAll(async () => {
    await tandem?.cleanup();
    await slack?.close();
    await connector?.close();
  });

  it('Slack: `/tandem scorecard` answers with one ephemeral message within Block Kit limits, nothing cut, and a drill-down click updates it', async () => {
    const responseUrl = slack.responseUrl();
    const before = slack.responses.length;
    expect((await sendSlack(tandem.url, slashCommand({ userId: 'USOFIA', text: 'scorecard', responseUrl }))).status).toBe(200);
    const [res] = (await slack.waitForResponses(before + 1, 10_000)).slice(before);
    const body = res!.body as { response_type: string; text: string; blocks: SlackBlock[] };
    expect(body.response_type).toBe('ephemeral');
    expect(blockKitViolations(body, 'message')).toEqual([]);
    expect(body.blocks.length).toBeLessThanOrEqual(50);
    const all = slackText(body.blocks);
    expect(all).not.toMatch(/more blocks? did not fit|…and \d+ more block/);
    for (const k of kpis) expect(all).toContain(k.name);
    expect(all).toContain('eNPS 23 · 81% answered');
    // The picture: uploaded through the files API (files.uploadV2, private: no channel), shown by its file id, the text beside it.
    const image = body.blocks.find((b) => b.type === 'image') as { slack_file?: { id: string }; image_url?: string; alt_text: string } | undefined;
    expect(image?.image_url).toBeUndefined();
    expect(image?.alt_text).toContain('Chart: KPIs 7 🟢 7 🟠 6 🔴');
    const file = slack.files.get(image!.slack_file!.id);
    expect(file).toMatchObject({ filename: 'scorecard.png', completed: true });
    expect(file?.channel).toBeUndefined();
    expect(file!.bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(all).toContain('7 · ack 4 min · resolve 1.5 h (medians) · 2 after-hours pages');
    const buttons = body.blocks.flatMap((b) => b.elements ?? []).filter((e) => e.action_id?.startsWith('scorecard.team'));
    expect(buttons).toHaveLength(10);
    const growth = buttons.find((b) => typeof b.text === 'object' && b.text.text.startsWith('Growth'))!;

    const clickUrl = slack.responseUrl();
    const n = slack.responses.length;
    await sendSlack(tandem.url, blockActions({ userId: 'USOFIA', actionId: growth.action_id!, value: growth.value!, responseUrl: clickUrl, ephemeral: true }));
    const [updated] = (await slack.waitForResponses(n + 1, 10_000)).slice(n);
    expect(updated!.body.replace_original).toBe(true);
    expect(String(updated!.body.text)).toContain('Scorecard · Growth · 2026-W47');
  });

  it('Teams: `scorecard` answers with one Adaptive Card the SDK accepts, under the size limit, nothing dropped, and a drill-down click updates it', async () => {
    connector.clear();
    await postActivity(tandem.url, teamsMessage({ serviceUrl: connector.serviceUrl, from: SOFIA_TEAMS, text: 'scorecard', scope: 'personal' }));
    const sent = await connector.waitForActivity((a) => a.conversationId === personalConversationId(SOFIA_TEAMS) && JSON.stringify(a.activity.attachments ?? []).includes('Scorecard'), 10_000);
    const card = cardOf(sent);
    expect(adaptiveCardProblems(card)).toEqual([]);
    const json = JSON.stringify(card);
    expect(json.length).toBeLessThan(24_000);
    expect(json).not.toContain('did not fit in Teams');
    for (const k of kpis) expect(json).toContain(k.name);
    expect(json).toMatch(/"type":"Image","url":"https:\/\/tandem\.example\.com\/scorecard-images\/[A-Za-z0-9_-]{24}\.png"/);
    const teamButtons = executeActions(card).filter((a) => a.verb.startsWith('scorecard.team'));
    expect(teamButtons).toHaveLength(10);
    const answer = await click(tandem.url, connector, SOFIA_TEAMS, sent, teamButtons.find((b) => JSON.stringify(b).includes(org.growth.id))!.verb);
    expect(answer.statusCode).toBe(200);
    expect(JSON.stringify(answer.value)).toContain('Scorecard · Growth · 2026-W47');
  });

  it('pages teams beyond ten with a "More teams" button', async () => {
    await tandem.store.teams.create({ name: 'Squad 11', managerId: org.priya.id, memberIds: [org.fay.id] });
    const view = (await tandem.core.interactions.runCommand({ actor: org.sofia, platform: 'console' }, 'tandem', 'scorecard')) as { kind: 'private'; view: { blocks: { type: string; elements?: { actionId: string; value?: string }[] }[] } };
    const buttons = view.view.blocks.flatMap((b) => b.elements ?? []);
    expect(buttons.filter((b) => b.actionId === 'scorecard.team')).toHaveLength(10);
    const more = buttons.find((b) => b.actionId === 'scorecard.page')!;
    expect(more.value).toBe('all|week|1');
    const page2 = (await tandem.core.interactions.runAction({ actor: org.sofia, platform: 'console' }, 'scorecard.page', more.value)) as { kind: 'update'; view: { blocks: { elements?: { actionId: string; label: string }[] }[] } };
    expect(page2.view.blocks.flatMap((b) => b.elements ?? []).filter((b) => b.actionId === 'scorecard.team').map((b) => b.label)).toEqual(['Squad 9 · —']);
    await tandem.store.teams.remove((await tandem.store.teams.findByName('Squad 11'))!.id);
  });
});
