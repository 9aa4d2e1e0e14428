import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type Express, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Conversation, Reply } from '../../core/chat/chat.port.js';
import type { InteractionContext } from '../../core/chat/interactions.js';
import { mentionedPersonIds, v } from '../../core/chat/views.js';
import { DomainError } from '../../core/errors.js';
import type { Person } from '../../core/people/people.types.js';
import { identityKey } from '../../core/people/people.types.js';
import { sendError } from '../../http/errors.js';
import type { AdapterContext, PlatformAdapter } from '../adapter.js';
import { ConsoleChat, ConsoleMessages, dmConversation } from './console.chat.js';
import { DemoClock } from './demo-clock.js';
import { ConsoleHub, type MessageDto } from './hub.js';
import { resolveMentions } from './mentions.js';
import { renderForm } from './render.js';

/** The page's static files: beside this module in the sources, or back in src/ when running the build. */
function publicDir(): string {
  const candidates = [new URL('./public/', import.meta.url), new URL('../../../../src/adapters/console/public/', import.meta.url)];
  for (const c of candidates) {
    const dir = fileURLToPath(c);
    if (existsSync(`${dir}index.html`)) return dir;
  }
  throw new Error('the console page (src/adapters/console/public) is missing');
}

export interface ConversationDto {
  id: string;
  kind: 'direct' | 'channel';
  title: string;
  teamId?: string;
}

export interface InteractionResult {
  reply: Reply['kind'];
  messages: MessageDto[];
  form?: { id: string; title: string; metadata: string | null; html: string; messageId: string | null; conversation: string };
  errors?: Record<string, string>;
}

const id24 = z.string().regex(/^[a-f0-9]{24}$/, 'expected a person id of 24 hex characters');
const conversationId = z.string().min(1).max(200);
const sessionBody = z.object({ personId: id24 });
const messageBody = z.object({ as: id24, conversation: conversationId, text: z.string().trim().min(1, 'type something first').max(4000) });
const actionBody = z.object({ as: id24, conversation: conversationId, messageId: z.string().min(1).max(64), actionId: z.string().min(1).max(255), value: z.string().max(2000).optional() });
const formBody = z.object({
  as: id24,
  conversation: conversationId,
  messageId: z.string().min(1).max(64).nullable().optional(),
  formId: z.string().min(1).max(255),
  metadata: z.string().max(3000).nullable().optional(),
  values: z.record(z.string(), z.union([z.string().max(10_000), z.array(z.string().max(1000)).max(100)])),
});

const PEOPLE_LIMIT = 2000;

/**
 * The local console at /console: a small page of our own that renders the
 * same neutral views as Slack and Teams, talks to the same core entry
 * points, and receives proactive messages over Server-Sent Events.
 */
export function createConsoleAdapter(ctx: AdapterContext): PlatformAdapter {
  const { core, config, logger } = ctx;
  const clock = core.clock;
  const directory = core.directory.lookup;
  const hub = new ConsoleHub(ctx.redis, `${config.QUEUE_PREFIX}:console:events`, logger);
  const messages = new ConsoleMessages(ctx.stores.consoleMessages, directory, hub, clock);
  const chat = new ConsoleChat(messages);
  const demo = config.DEMO_MODE && ctx.demoClock && ctx.jobs ? new DemoClock(ctx.demoClock, ctx.jobs.allQueues) : null;
  const streams = new Set<Response>();

  async function allPeople(): Promise<Person[]> {
    const people = await directory.activePeople(PEOPLE_LIMIT);
    return people.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The person acting, with their console identity linked and marked as just seen. */
  async function actor(personId: string): Promise<Person> {
    const person = await directory.person(personId);
    if (!person) throw new DomainError('not_found', `No person with id ${personId}. Pick someone from the list.`);
    await core.people.identify({ platform: 'console', key: identityKey.console(person.id) }, async () => ({ name: person.name, email: person.email, timeZone: person.timeZone }));
    return person;
  }

  async function conversationsOf(person: Person): Promise<ConversationDto[]> {
    const teams = await directory.teamsVisibleTo(person);
    const seen = new Set<string>();
    const channels: ConversationDto[] = [];
    for (const team of teams.sort((a, b) => a.name.localeCompare(b.name))) {
      const channel = team.channels.console?.channelId;
      if (!channel || seen.has(channel)) continue;
      seen.add(channel);
      channels.push({ id: channel, kind: 'channel', title: team.name, teamId: team.id });
    }
    return [{ id: dmConversation(person.id), kind: 'direct', title: 'Tandem' }, ...channels];
  }

  async function conversationFor(person: Person, id: string): Promise<Conversation> {
    const found = (await conversationsOf(person)).find((c) => c.id === id);
    if (!found) throw new DomainError('forbidden', `${person.name} is not in the conversation ${id}.`);
    return { kind: found.kind, id: found.id };
  }

  function interaction(person: Person, conversation: Conversation, messageId?: string | null): InteractionContext {
    return {
      actor: person,
      platform: 'console',
      conversation,
      ...(messageId ? { message: { platform: 'console' as const, channel: conversation.id, messageId } } : {}),
      deliveryId: randomUUID(),
    };
  }

  /** Turns a core reply into console messages (or a form to open) for the actor. */
  async function apply(person: Person, conversation: Conversation, result: Reply, sourceMessageId: string | null): Promise<InteractionResult> {
    switch (result.kind) {
      case 'none':
        return { reply: 'none', messages: [] };
      case 'private':
        return { reply: 'private', messages: [await messages.post({ conversation: conversation.id, view: result.view, visibleTo: person.id })] };
      case 'public':
        return { reply: 'public', messages: [await messages.post({ conversation: conversation.id, view: result.view })] };
      case 'update': {
        const updated = sourceMessageId ? await messages.replace(sourceMessageId, result.view) : null;
        return { reply: 'update', messages: [updated ?? (await messages.post({ conversation: conversation.id, view: result.view, visibleTo: person.id }))] };
      }
      case 'form': {
        const people = await allPeople();
        const names = new Map(people.map((p) => [p.id, p.name]));
        for (const p of await directory.people(mentionedPersonIds(result.form).filter((id) => !names.has(id)))) names.set(p.id, p.name);
        return {
          reply: 'form',
          messages: [],
          form: {
            id: result.form.id,
            title: result.form.title,
            metadata: result.form.metadata ?? null,
            html: renderForm(result.form, names, people),
            messageId: sourceMessageId,
            conversation: conversation.id,
          },
        };
      }
      case 'form_errors':
        return { reply: 'form_errors', messages: [], errors: result.errors };
    }
  }

  const router = express.Router();
  router.use('/api', express.json({ limit: '100kb' }));

  router.get('/', (_req, res) => {
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(`${publicDir()}index.html`);
  });
  router.use('/assets', express.static(publicDir(), { index: false, maxAge: 0 }));

  router.get('/api/people', async (_req, res) => {
    const people = await allPeople();
    res.json({ people: people.map((p) => ({ id: p.id, name: p.name, email: p.email, roles: p.roles, timeZone: p.timeZone })) });
  });

  router.post('/api/session', async (req, res) => {
    const { personId } = sessionBody.parse(req.body);
    const person = await actor(personId);
    res.json({
      person: { id: person.id, name: person.name, email: person.email, roles: person.roles, timeZone: person.timeZone },
      conversations: await conversationsOf(person),
      demo: demo !== null,
    });
  });

  router.get('/api/conversations/:id/messages', async (req: Request<{ id: string }>, res) => {
    const as = id24.parse(req.query.as);
    const person = await actor(as);
    const conversation = await conversationFor(person, req.params.id);
    res.json({ messages: await messages.recent(conversation.id, person.id) });
  });

  router.post('/api/messages', async (req, res) => {
    const body = messageBody.parse(req.body);
    const person = await actor(body.as);
    const conversation = await conversationFor(person, body.conversation);
    const text = resolveMentions(body.text, await allPeople());
    const typed = await messages.post({ conversation: conversation.id, view: v.view(text, v.section(text)), authorId: person.id });
    const ctxt = interaction(person, conversation);
    let result: InteractionResult = { reply: 'none', messages: [] };
    if (conversation.kind === 'direct') result = await apply(person, conversation, await core.interactions.directText(ctxt, text), null);
    else if (text.startsWith('/')) result = await apply(person, conversation, await core.interactions.commandFromText(ctxt, text), null);
    res.json({ ...result, messages: [typed, ...result.messages] });
  });

  router.post('/api/actions', async (req, res) => {
    const body = actionBody.parse(req.body);
    const person = await actor(body.as);
    const conversation = await conversationFor(person, body.conversation);
    const message = await messages.get(body.messageId);
    if (!message || message.conversation !== conversation.id || (message.visibleTo && message.visibleTo !== person.id)) {
      throw new DomainError('not_found', 'That message is gone. Try again from a fresh one.');
    }
    const result = await core.interactions.runAction(interaction(person, conversation, message.id), body.actionId, body.value);
    res.json(await apply(person, conversation, result, message.id));
  });

  router.post('/api/forms', async (req, res) => {
    const body = formBody.parse(req.body);
    const person = await actor(body.as);
    const conversation = await conversationFor(person, body.conversation);
    const result = await core.interactions.submitForm(interaction(person, conversation, body.messageId), body.formId, body.values, body.metadata ?? undefined);
    res.json(await apply(person, conversation, result, body.messageId ?? null));
  });

  router.get('/api/events', async (req, res) => {
    const as = id24.parse(req.query.as);
    const person = await actor(as);
    const visible = new Set((await conversationsOf(person)).map((c) => c.id));
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n\n');
    res.write(`event: ready\ndata: ${JSON.stringify({ personId: person.id })}\n\n`);
    const stop = hub.listen((event) => {
      if (event.type === 'message') {
        const m = event.message;
        if (!visible.has(m.conversation) || (m.visibleTo && m.visibleTo !== person.id)) return;
      }
      res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 25_000);
    streams.add(res);
    const close = () => {
      clearInterval(heartbeat);
      stop();
      streams.delete(res);
    };
    req.on('close', close);
    res.on('close', close);
  });

  router.get('/api/clock', async (_req, res) => {
    if (!demo) return sendError(res, 404, 'not_found', 'The demo clock runs only in demo mode (DEMO_MODE=true).');
    res.json(await demo.status());
  });

  router.post('/api/clock/next', async (_req, res) => {
    if (!demo) return sendError(res, 404, 'not_found', 'The demo clock runs only in demo mode (DEMO_MODE=true).');
    const before = await messages.count();
    const ran = await demo.jumpToNext(async () => (await messages.count()) > before);
    const status = await demo.status();
    await hub.publish({ type: 'clock', now: status.now });
    res.json({ ran, ...status });
  });

  return {
    chat,
    mount(app: Express) {
      app.use('/console', router);
    },
    async start() {
      await hub.start();
      logger.info({ path: '/console', demo: demo !== null }, 'console ready');
    },
    drain() {
      for (const res of streams) res.end();
      streams.clear();
    },
    async stop() {
      await hub.stop();
    },
  };
}
