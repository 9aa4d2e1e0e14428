import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeConnector } from '../support/fake-connector.js';
import { FakeSlack } from '../support/fake-slack.js';
import { capturingLogger } from '../support/logs.js';
import { formBody, sendSlack, slackEnv, type SlackRequest } from '../support/slack.js';
import { startTestTandem } from '../support/stack.js';
import { MEGAN, postActivity, type Activity } from '../support/teams.js';

/**
 * Property-based fuzz of the two platform endpoints (issue 11 point 4):
 * random JSON of every shape, type and size, typed payloads with random
 * fields, and the real published payloads (../shared/fixtures) with one field
 * replaced or removed, all correctly signed (Slack) or addressed to the fake
 * connector (Teams, open as in development). Whatever arrives: never a 5xx,
 * never an error-level log line. FUZZ_RUNS sets the runs per property
 * (default 150); FUZZ_SEED replays a failure fast-check reported.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {};
/**
 * A failure is reported as found, not shrunk: these arbitraries shrink poorly, and shrinking a failure found late
 * re-sends hundreds of requests (one timed the whole test out in CI instead of naming its input). The runs stop
 * after 300 s, counted as a failure, so a slow machine reports what it had tried instead of hanging the suite.
 */
const LIMITS = { endOnFailure: true, interruptAfterTimeLimit: 300_000, markInterruptAsFailure: true };
/** The shared fixtures beside the checkout (../shared), or beside the folder of worktrees; the fuzz runs without them when neither exists. */
const FIXTURES = ['../../../shared/fixtures/', '../../../../shared/fixtures/'].map((p) => new URL(p, import.meta.url)).find((u) => existsSync(u));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const REMOVE = Symbol('remove');

/** Every path to a value inside `value` (the root excluded). */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, Json][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
}

/** A copy of `value` with the value at `path` replaced (or removed). */
function mutate(value: Json, path: (string | number)[], replacement: Json | typeof REMOVE): Json {
  const copy = structuredClone(value);
  let node = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  const last = path[path.length - 1] ?? '';
  if (replacement === REMOVE) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = replacement;
  return copy;
}

/** Leaves of every kind and size, a large string now and then. */
const leaf = fc.oneof(
  { weight: 5, arbitrary: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json> },
  { weight: 2, arbitrary: fc.constantFrom<Json>(null, '', 0, -1, true, [], {}, 'U123', '/tandem', 'help', 'message', 'invoke') },
  { weight: 1, arbitrary: fc.string({ minLength: 5_000, maxLength: 60_000 }) },
);
const replacement = fc.oneof({ weight: 4, arbitrary: leaf as fc.Arbitrary<Json | typeof REMOVE> }, { weight: 1, arbitrary: fc.constant<typeof REMOVE>(REMOVE) });

/** One published payload with one value replaced or removed (or none: the fixture as it is). */
const mutated = (fixtures: [Json, ...Json[]]) =>
  fc.constantFrom(...fixtures).chain((f) => {
    const all = paths(f);
    if (all.length === 0) return fc.constant(f);
    return fc.oneof(
      { weight: 1, arbitrary: fc.constant(f) },
      { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...all), replacement).map(([p, r]) => mutate(f, p, r)) },
    );
  });

/** An object of the given types with random fields among `keys`. */
const typed = (types: string[], keys: string[]) =>
  fc.tuple(fc.constantFrom(...types), fc.dictionary(fc.constantFrom(...keys), leaf, { maxKeys: 8 })).map(([type, rest]) => ({ ...rest, type }) as Json);

/** A random JSON document of any shape. */
const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 5 }) as fc.Arbitrary<Json>, fc.string({ maxLength: 80_000 }).map((s) => s as Json));

const readJson = (dir: string): Json[] =>
  FIXTURES
    ? readdirSync(new URL(dir, FIXTURES))
        .filter((f) => f.endsWith('.json') && !f.endsWith('.headers.json'))
        .map((f) => JSON.parse(readFileSync(new URL(`${dir}${f}`, FIXTURES), 'utf8')) as Json)
    : [];

/** Replaces every string value `from` matches, anywhere in `value`. */
function replaceStrings(value: Json, from: RegExp, to: string): Json {
  if (typeof value === 'string') return from.test(value) ? to : value;
  if (Array.isArray(value)) return value.map((v) => replaceStrings(v, from, to));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceStrings(v, from, to)]));
  return value;
}

let tried = { slack: 0, teams: 0 };

/** A request must be answered within this long; a hang fails the property with the input (and its seed) instead of timing the whole test out. */
const ANSWER_MS = Number(process.env.FUZZ_ANSWER_MS ?? 20_000);
/** The status of a response once its whole body has arrived. */
const statusOf = async (response: Promise<Response>): Promise<number> => {
  const res = await response;
  await res.arrayBuffer();
  return res.status;
};
async function answeredWithin(response: Promise<number>, input: unknown): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_MS} ms to ${JSON.stringify(input).slice(0, 2_000)}`)), ANSWER_MS);
  });
  try {
    return await Promise.race([response, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('fuzz: Slack and Teams endpoints', () => {
  let fake: FakeSlack;
  let connector: FakeConnector;
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  const logs = capturingLogger();

  beforeAll(async () => {
    fake = await FakeSlack.start();
    connector = await FakeConnector.start({ members: [MEGAN] });
    tandem = await startTestTandem(slackEnv(fake, { TEAMS_ENABLED: 'true' }), { workers: false, logger: logs.logger });
  });
  afterAll(async () => {
    await tandem?.cleanup();
    await fake?.close();
    await connector?.close();
    // The figures test/reliability/README.md reports.
    process.stdout.write(`fuzz: tried ${tried.slack} Slack and ${tried.teams} Teams requests\n`);
  });
  beforeEach(() => {
    logs.clear();
    tried = { slack: tried.slack, teams: tried.teams };
  });

  /** Lets the work after an early ack run, then fails on any error-level line it logged. */
  const noErrors = async (what: string) => {
    await new Promise((r) => setTimeout(r, 80));
    const errors = logs.errors();
    if (errors.length > 0) {
      logs.clear();
      throw new Error(`${what} logged at error level:\n${errors.join('\n')}`);
    }
  };

  it('Slack: signed requests of any shape get a 2xx or a 4xx, and nothing is logged at error level', async () => {
    const responseUrl = fake.responseUrl('fuzz');
    const fixtures = readJson('slack/').map((f) => replaceStrings(f, /^https:\/\/hooks\.slack\.com\//, responseUrl));
    const slash: Record<string, Json> = {
      token: 'xyzz0WbapA4vBCDEFasx0q6G',
      team_id: 'T1DC2JH3J',
      channel_id: 'G8PSS9T3V',
      user_id: 'U2CERLKJA',
      command: '/tandem',
      text: 'help',
      response_url: responseUrl,
      trigger_id: '398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
    };
    const types = ['event_callback', 'block_actions', 'view_submission', 'view_closed', 'shortcut', 'message_action', 'block_suggestion', 'url_verification', 'interactive_message', 'app_rate_limited'];
    const keys = ['event', 'event_id', 'team_id', 'user', 'team', 'actions', 'container', 'channel', 'view', 'trigger_id', 'response_url', 'callback_id', 'message', 'action_id', 'value', 'challenge', 'state'];
    const body = fc.oneof(anyJson, typed(types, keys), mutated([slash, ...fixtures]));
    /** Events and url_verification as JSON; everything else as Slack sends interactivity (payload=…), or as a form when it is a flat command. */
    const encode = (b: Json, asForm: boolean): SlackRequest => {
      const isObject = typeof b === 'object' && b !== null && !Array.isArray(b);
      if (isObject && 'command' in b && Object.values(b).every((v) => typeof v === 'string')) return formBody(b as Record<string, string>);
      if (!asForm || (isObject && (b.type === 'event_callback' || b.type === 'url_verification'))) return { body: JSON.stringify(b), contentType: 'application/json' };
      return formBody({ payload: JSON.stringify(b) });
    };
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (b, asForm) => {
        tried.slack += 1;
        const status = await answeredWithin(statusOf(sendSlack(tandem.url, encode(b, asForm))), b);
        if (status >= 500) throw new Error(`answered ${status}`);
        await noErrors('the request');
      }),
      { numRuns: RUNS, ...LIMITS, ...SEED },
    );
    expect(tried.slack).toBeGreaterThanOrEqual(RUNS);
  }, 600_000);

  it('Teams: activities of any shape get a 2xx or a 4xx, and nothing is logged at error level', async () => {
    const fixtures = readJson('teams/').map((f) => replaceStrings(f, /^https:\/\/smba\.trafficmanager\.net\//, connector.serviceUrl));
    const types = ['message', 'invoke', 'conversationUpdate', 'installationUpdate', 'typing', 'event', 'messageReaction', 'endOfConversation'];
    const keys = ['id', 'text', 'value', 'name', 'channelData', 'entities', 'membersAdded', 'membersRemoved', 'action', 'attachments', 'replyToId', 'localTimezone', 'channelId', 'textFormat'];
    const addressed = typed(types, keys).map((a) => ({
      serviceUrl: connector.serviceUrl,
      conversation: { id: `a:fuzz-${randomUUID()}`, conversationType: 'personal', tenantId: 'fuzz-tenant' },
      from: { id: '29:fuzz', name: 'Fuzz', aadObjectId: '00000000-0000-4000-8000-00000000f022' },
      recipient: { id: '28:bot', name: 'Tandem' },
      ...(a as Record<string, Json>),
    }));
    const body = fc.oneof(anyJson, typed(types, keys), addressed, ...(fixtures.length > 0 ? [mutated(fixtures as [Json, ...Json[]])] : []));
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        tried.teams += 1;
        // A fresh activity id each time, so the redelivery check does not hide a shape behind an earlier one.
        const o = b as Json;
        const activity = (o && typeof o === 'object' && !Array.isArray(o) && typeof o.id === 'string' ? { ...o, id: `${o.id}-${randomUUID()}` } : o) as Activity;
        const status = await answeredWithin(statusOf(postActivity(tandem.url, activity)), activity);
        if (status >= 500) throw new Error(`answered ${status}`);
        await noErrors('the activity');
      }),
      { numRuns: RUNS, ...LIMITS, ...SEED },
    );
    expect(tried.teams).toBeGreaterThanOrEqual(RUNS);
  }, 600_000);
});
