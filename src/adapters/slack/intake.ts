import { z } from 'zod';

/**
 * What Tandem requires of a signed Slack payload before Bolt sees it: the
 * fields Bolt's routing and Tandem's listeners read, per payload type. A
 * payload of a type Tandem does not serve (global shortcuts, view_closed,
 * block_suggestion, anything Slack adds later) is acknowledged with an empty
 * 200 and left alone, never waited on until Slack's 3 s are up; a payload of a type it serves without those
 * fields is refused with 400. Slack's own payloads always carry them.
 */
const id = z.string().min(1);
const user = z.looseObject({ id, team_id: z.string().optional() });
const team = z.looseObject({ id: z.string() }).nullish();
/** Where Bolt's respond() posts: it must be a URL, or the answer fails after the ack. */
const responseUrl = z.url({ protocol: /^https?$/, message: 'expected a response_url' }).optional();

/** Events Tandem listens to, by `event.type`; other events are passed through (Bolt ignores them). */
const events: Record<string, z.ZodType> = {
  message: z
    .looseObject({ channel: id, user: id.optional(), text: z.string().nullish(), channel_type: z.string().optional(), subtype: z.string().optional() })
    .refine((e) => e.subtype !== undefined || 'bot_id' in e || e.user !== undefined, { message: 'a message from a person needs a "user"', path: ['user'] }),
  app_mention: z.looseObject({ channel: id, user: id.optional(), text: z.string().nullish() }),
  app_home_opened: z.looseObject({ user: id, tab: z.string().optional() }),
  tokens_revoked: z.looseObject({ tokens: z.looseObject({}) }),
};

const envelope = z.looseObject({
  type: z.literal('event_callback'),
  // Bolt reads the installation from these before any listener runs.
  enterprise_id: z.string().nullish(),
  is_enterprise_install: z.boolean().nullish(),
  authorizations: z.array(z.looseObject({ team_id: z.string().nullish(), enterprise_id: z.string().nullish(), is_enterprise_install: z.boolean().nullish() })).nullish(),
  event_id: z.string().optional(),
  team_id: z.string().optional(),
  // Bolt reads the user and the conversation of every event before any listener runs, and dereferences these
  // fields whenever they are present: present, they must be what Slack sends (a string or an object, never null).
  event: z.looseObject(
    {
      type: z.string(),
      user: z.union([z.string(), z.looseObject({ id: z.string() })]).optional(),
      channel: z.union([z.string(), z.looseObject({})]).optional(),
      item: z.looseObject({}).optional(),
      subteam: z.looseObject({}).optional(),
    },
    { message: 'expected an "event" object with a "type"' },
  ),
});

const payloads: Record<string, z.ZodType> = {
  block_actions: z.looseObject({
    user,
    team,
    actions: z.array(z.looseObject({ action_id: id, type: z.string().optional() })).min(1),
    container: z.looseObject({ type: z.string().optional(), channel_id: z.string().optional(), message_ts: z.string().optional() }),
    channel: z.looseObject({ id }).nullish(),
    trigger_id: z.string().optional(),
    response_url: responseUrl,
    view: z.looseObject({ type: z.string().optional() }).nullish(),
  }),
  view_submission: z.looseObject({
    user,
    team,
    view: z.looseObject({
      id: z.string(),
      callback_id: z.string(),
      private_metadata: z.string().nullish(),
      state: z.looseObject({ values: z.record(z.string(), z.record(z.string(), z.looseObject({ type: z.string().optional() }))).nullish() }).nullish(),
    }),
  }),
  message_action: z.looseObject({
    user,
    team,
    callback_id: id,
    trigger_id: id,
    channel: z.looseObject({ id }),
    message: z.looseObject({ user: z.string().optional(), text: z.string().nullish() }),
    response_url: responseUrl,
  }),
};

/**
 * What is wrong with a slash command, if anything: its name, who and where, and a response_url that is an http(s)
 * URL. Checked by hand rather than with zod like the other payloads: it runs before the ack of every command, and
 * side by side with the bare-signature floor (bench/ack-ab.ts, Tandem's receiver alone, three pairs) zod's check of
 * the form put its ack p99 at 1.25 / 2.00 / 1.71 times the floor's against 1.01 / 1.56 / 1.29 without it.
 */
function commandProblem(b: Record<string, unknown>): string | undefined {
  if (typeof b.command !== 'string' || !/^\/\S+$/.test(b.command)) return 'command: expected a "/name"';
  for (const field of ['user_id', 'team_id', 'channel_id']) if (typeof b[field] !== 'string' || b[field] === '') return `${field}: expected a non-empty string`;
  for (const field of ['text', 'trigger_id']) if (b[field] !== undefined && typeof b[field] !== 'string') return `${field}: expected a string`;
  const url = b.response_url;
  if (url !== undefined && (typeof url !== 'string' || !/^https?:/i.test(url) || !URL.canParse(url))) return 'response_url: expected a response_url';
  return undefined;
}

export type SlackIntake = { kind: 'process'; body: Record<string, unknown> } | { kind: 'ignore'; what: string } | { kind: 'refuse'; reason: string };

const refusal = (what: string, error: z.ZodError): SlackIntake => {
  const issue = error.issues[0];
  return { kind: 'refuse', reason: `${what}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'unexpected shape'}`.trim() };
};

/** Sorts a parsed, signed payload into processed, ignored (acknowledged, nothing done) and refused (400). */
export function checkPayload(body: unknown): SlackIntake {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { kind: 'refuse', reason: 'expected a JSON object or a form' };
  const b = body as Record<string, unknown>;
  if ('command' in b) {
    const problem = commandProblem(b);
    return problem ? { kind: 'refuse', reason: `slash command: ${problem}` } : { kind: 'process', body: b };
  }
  const type = typeof b.type === 'string' ? b.type : undefined;
  if (type === 'event_callback') {
    const parsed = envelope.safeParse(b);
    if (!parsed.success) return refusal('event_callback', parsed.error);
    const schema = events[parsed.data.event.type];
    const event = schema?.safeParse(parsed.data.event);
    if (event && !event.success) return refusal(`${parsed.data.event.type} event`, event.error);
    return { kind: 'process', body: b };
  }
  const schema = type === undefined ? undefined : payloads[type];
  if (!schema) return { kind: 'ignore', what: `payload type ${JSON.stringify(type ?? null).slice(0, 40)}` };
  const parsed = schema.safeParse(b);
  if (!parsed.success) return refusal(String(type), parsed.error);
  if (type === 'view_submission') return { kind: 'process', body: withStateValues(b) };
  return { kind: 'process', body: b };
}

/** A view_submission whose `view.state` (or its `values`) is absent, as some published payloads are, read as one with no inputs. */
function withStateValues(b: Record<string, unknown>): Record<string, unknown> {
  const view = b.view as Record<string, unknown>;
  const state = (view.state ?? {}) as Record<string, unknown>;
  if (typeof state.values === 'object' && state.values !== null) return b;
  return { ...b, view: { ...view, state: { ...state, values: {} } } };
}
