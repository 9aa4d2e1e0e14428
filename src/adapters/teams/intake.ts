import { z } from 'zod';

/**
 * What Tandem requires of an incoming Bot Framework activity before
 * botbuilder sees it. Every activity needs a `type`; the kinds Tandem acts
 * on (messages, invokes, membership and installation updates) also need the
 * addresses every reply and every stored conversation reference is built
 * from. Anything else is accepted and left alone.
 */
const account = z.object({ id: z.string().min(1) }, { message: 'expected an account with an "id"' });

const addressed = z.object({
  type: z.string(),
  id: z.string().optional(),
  serviceUrl: z.url({ protocol: /^https?$/, message: 'expected the "serviceUrl" of the channel (an http(s) URL)' }),
  conversation: z.object({ id: z.string().min(1) }, { message: 'expected a "conversation" with an "id"' }),
  from: account,
  recipient: account,
  name: z.string().optional(),
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
  if (parsed.success) return { ok: true, activity: parsed.data };
  const issue = parsed.error.issues[0];
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
