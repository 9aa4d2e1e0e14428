import { z } from 'zod';

/**
 * What Tandem requires of an incoming Bot Framework activity before
 * botbuilder sees it. Every activity needs a `type`; the kinds Tandem acts
 * on (messages, invokes, membership and installation updates) also need the
 * addresses every reply and every stored conversation reference is built
 * from. Anything else is accepted and left alone.
 */
/**
 * Ids go into the connector's URLs (`/v3/conversations/{id}/activities/{replyToId}`): Teams' own are under ~200
 * characters; a longer one is refused here instead of making a URL the connector answers 414 or 431.
 */
const MAX_ID = 1_024;
const bounded = () => z.string().max(MAX_ID, { message: `expected an id of at most ${MAX_ID} characters` });
const id = () => bounded().min(1);

// Replies copy the addresses (and locale, channelId) back, and botbuilder's serializer refuses a wrong type there.
const account = z.looseObject({ id: id(), aadObjectId: z.string().nullish(), name: z.string().nullish(), role: z.string().nullish() }, { message: 'expected an account with an "id"' });

const addressed = z.object({
  type: z.string(),
  id: bounded().optional(),
  serviceUrl: z.url({ protocol: /^https?$/, message: 'expected the "serviceUrl" of the channel (an http(s) URL)' }),
  conversation: z.looseObject(
    { id: id(), tenantId: z.string().nullish(), conversationType: z.string().nullish(), isGroup: z.boolean().nullish(), name: z.string().nullish(), aadObjectId: z.string().nullish(), role: z.string().nullish() },
    { message: 'expected a "conversation" with an "id"' },
  ),
  from: account,
  recipient: account,
  name: z.string().optional(),
  // The optional fields Tandem reads, when present, have their Bot Framework types.
  text: z.string().nullish(),
  locale: z.string().nullish(),
  channelId: z.string().nullish(),
  replyToId: bounded().nullish(),
  localTimezone: z.string().nullish(),
  action: z.string().nullish(),
  entities: z
    .array(
      z
        .looseObject({ type: z.string(), mentioned: z.looseObject({ id: z.string(), name: z.string().nullish() }).optional(), text: z.string().nullish() })
        .refine((e) => e.type !== 'mention' || e.mentioned !== undefined, { message: 'a mention needs "mentioned"', path: ['mentioned'] }),
    )
    .nullish(),
  attachments: z.array(z.looseObject({ contentType: z.string().optional() })).nullish(),
  membersAdded: z.array(account).nullish(),
  membersRemoved: z.array(account).nullish(),
  channelData: z
    .looseObject({
      tenant: z.looseObject({ id: z.string().optional() }).nullish(),
      team: z.looseObject({ id: z.string().optional() }).nullish(),
      channel: z.looseObject({ id: z.string().optional() }).nullish(),
      eventType: z.string().nullish(),
    })
    .nullish(),
  value: z.unknown().optional(),
});

/**
 * The activity with its top-level null fields dropped: null means absent in the Bot Framework's JSON, and botbuilder
 * reads `entities`, `channelData` and others whenever they are not undefined (a null `entities` crashes its mention
 * helpers, a null `channelData` its tenant lookup). Anything but a plain object is returned as it is.
 */
export function withoutNulls(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null));
}

/** A Universal Action click carries `value.action` (botbuilder reads `value.action.type` unguarded). */
const cardAction = z.looseObject({
  value: z.looseObject({ action: z.looseObject({ type: z.string(), verb: z.string().nullish(), data: z.unknown().optional() }) }, { message: 'expected a "value" with an "action"' }),
});

/** Activity types Tandem processes; every other type is answered 200 with nothing done. */
export const HANDLED_TYPES = new Set(['message', 'invoke', 'conversationUpdate', 'installationUpdate']);

export type Intake = { ok: true; activity: z.infer<typeof addressed> | { type: string; id?: string | undefined } } | { ok: false; reason: string };

/** Checks an activity body; the reason names the first missing or wrong field. */
export function checkActivity(body: unknown): Intake {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || typeof (body as { type?: unknown }).type !== 'string') {
    return { ok: false, reason: 'Expected a Bot Framework activity: a JSON object with a "type"' };
  }
  const type = (body as { type: string }).type;
  if (!HANDLED_TYPES.has(type)) {
    const id = (body as { id?: unknown }).id;
    return { ok: true, activity: { type, ...(typeof id === 'string' ? { id } : {}) } };
  }
  const parsed = addressed.safeParse(body);
  const action = parsed.success && parsed.data.type === 'invoke' && parsed.data.name === 'adaptiveCard/action' ? cardAction.safeParse(body) : undefined;
  if (parsed.success && (!action || action.success)) return { ok: true, activity: parsed.data };
  const issue = (parsed.success ? action?.error : parsed.error)?.issues[0];
  const where = issue?.path.join('.') ?? '';
  return { ok: false, reason: `Invalid ${type} activity: ${where ? `${where}: ` : ''}${issue?.message ?? 'unexpected shape'}` };
}

/** Is `serviceUrl` under one of the trusted prefixes? (Compared on the parsed URL, so `https://a.example.evil/` is not `https://a.example/`.) */
export function trustedServiceUrl(serviceUrl: string, prefixes: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(serviceUrl);
  } catch {
    return false;
  }
  const normalised = url.href.endsWith('/') ? url.href : `${url.href}/`;
  return prefixes.some((p) => normalised.toLowerCase().startsWith(p.toLowerCase()));
}

/** The processing-claim key of an activity: its id within its conversation. */
export const claimKey = (conversationId: string, activityId: string) => `teams:${conversationId}:${activityId}`;
