import type { Logger as PinoLogger } from 'pino';
import { App, LogLevel, SocketModeReceiver, webApi } from '@slack/bolt';
import type { Logger as BoltLogger, types as slackTypes, ViewStateValue } from '@slack/bolt';
import type { Conversation, Reply } from '../../core/chat/chat.port.js';
import type { InteractionContext } from '../../core/chat/interactions.js';
import type { FormValues, View } from '../../core/chat/views.js';
import { v } from '../../core/chat/views.js';
import { isDomainError } from '../../core/errors.js';
import type { Person } from '../../core/people/people.types.js';
import type { AfterReply } from '../../core/ports.js';
import type { AdapterContext, PlatformAdapter } from '../adapter.js';
import { actionIdOf, LINK_ACTION_PREFIX } from './blockkit.js';
import { asBlocks, SlackChat } from './chat.js';
import { SlackPeople } from './people.js';
import { SlackHttpReceiver } from './receiver.js';
import { ResponseUrlPoster, type Respond } from './respond.js';
import { SlackWebApi } from './web-api.js';
import { registerMessageShortcuts } from './shortcuts.js';

/** The one Slack endpoint: events, slash commands and interactivity all arrive here (see manifests/slack). */
export const SLACK_EVENTS_PATH = '/slack/events';
/** How long a delivered event id is remembered, so Slack's retries are processed once. */
const EVENT_DEDUPE_SECONDS = 24 * 3600;
/** How long an event being processed keeps its duplicates out; past it, a retry of an event whose process died runs. */
const EVENT_LOCK_SECONDS = 60;

/** Where an answer goes: the surface the interaction came from. */
interface Origin {
  userId: string;
  /** The conversation of the command, action or message (absent for modals and the Home tab). */
  channel?: string;
  respond?: Respond;
  triggerId?: string;
  /** The clicked message. */
  message?: { channel: string; ts: string; ephemeral: boolean };
  /** The interaction came from the App Home tab. */
  home?: boolean;
  /** A slash command: `public` answers go in the channel through response_url. */
  command?: boolean;
}

/**
 * Slack through Bolt 5: a receiver serving POST /slack/events on Tandem's
 * one HTTP server, ahead of express (signatures verified, stale requests
 * refused, acknowledged at once; see receiver.ts), or Socket Mode when
 * SLACK_APP_TOKEN is set.
 */
export function createSlackAdapter(ctx: AdapterContext): PlatformAdapter {
  const { config, core } = ctx;
  const logger = ctx.logger.child({ platform: 'slack' });
  const token = config.SLACK_BOT_TOKEN;
  const signingSecret = config.SLACK_SIGNING_SECRET;
  if (!token || !signingSecret) throw new Error('Slack needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET');

  const boltLogger = toBoltLogger(logger);
  const retryConfig = { retries: 10, factor: 2, minTimeout: 200, maxTimeout: 30_000, randomize: true };
  const clientOptions = {
    ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {}),
    logger: boltLogger,
    // On 429 the client pauses its queue for Retry-After seconds, then retries the same call.
    rejectRateLimitedCalls: false,
    retryConfig,
  };
  // Socket Mode opens its WebSocket through apps.connections.open on the same (configurable) Web API.
  const socket = config.SLACK_APP_TOKEN
    ? new SocketModeReceiver({ appToken: config.SLACK_APP_TOKEN, logger: boltLogger, installerOptions: { clientOptions: { ...clientOptions } } })
    : undefined;
  const http = socket ? undefined : new SlackHttpReceiver({ signingSecret, logger: boltLogger });
  const socketMode = socket !== undefined;
  // No conversation store: Tandem keeps no state in Bolt's context, and Bolt's in-memory store answered every request
  // by throwing (and catching) a 'Conversation not found' Error.
  const app = new App({ token, logger: boltLogger, clientOptions, deferInitialization: true, receiver: socket ?? http, convoStore: false });
  const client = app.client;
  const people = new SlackPeople(core, client);
  // Tandem's own sends (DMs, posts, updates) wait out a 429 per method and retry at once (SlackChat, rate-limits.ts).
  const sending = new webApi.WebClient(token, { ...clientOptions, rejectRateLimitedCalls: true });
  // A page's calls (conversations.open, chat.postMessage, chat.update) skip the client's per-request overhead
  // (web-api.ts), at the client's own URL, as its token, retried as it retries.
  const api = new SlackWebApi(sending, retryConfig, logger);
  const chat = new SlackChat(sending, api, people, { picture: ctx.picture, logger });
  // Answers to response_url go over kept-alive connections of Tandem's own, not Bolt's respond() (see respond.ts).
  const responses = new ResponseUrlPoster();

  const conversationOf = (channel: string | undefined): Conversation | undefined => {
    if (!channel) return undefined;
    const kind = channel.startsWith('D') ? 'direct' : channel.startsWith('G') ? 'group' : 'channel';
    return { kind, id: channel };
  };

  const context = (actor: Person, channel: string | undefined, deliveryId: string | undefined): InteractionContext => {
    const c: InteractionContext = { actor, platform: 'slack' };
    const conversation = conversationOf(channel);
    if (conversation) c.conversation = conversation;
    if (deliveryId) c.deliveryId = deliveryId;
    return c;
  };

  /** The acting person, or a kind refusal sent back when they cannot use Tandem (bots). */
  const actor = async (teamId: string, userId: string, refuse: (view: View) => Promise<unknown>, afterReply?: AfterReply): Promise<Person | null> => {
    try {
      return await people.identify(teamId, userId, undefined, afterReply);
    } catch (err) {
      if (!isDomainError(err)) throw err;
      await refuse(v.view(err.message, v.section(`:warning: ${err.message}`)));
      return null;
    }
  };

  const privately = async (o: Origin, view: View) => {
    const message = asBlocks(await chat.message(view));
    if (o.respond) await o.respond({ response_type: 'ephemeral', replace_original: false, ...message });
    else if (o.channel && !o.channel.startsWith('D')) await client.chat.postEphemeral({ channel: o.channel, user: o.userId, ...message });
    else await chat.post(o.channel ?? o.userId, view);
  };

  /**
   * Runs the work after an interaction was acknowledged. When it fails the
   * person still gets a kind answer instead of silence, and the error is logged.
   * Writes the work handed to `afterReply` (a new person's platform account)
   * are run once it has answered, and awaited: the request is done (and
   * shutdown waits for it) only when they are written.
   */
  const answering = async (o: Origin, work: (afterReply: AfterReply) => Promise<void>): Promise<void> => {
    const later: (() => Promise<void>)[] = [];
    try {
      await work((write) => later.push(write));
    } catch (err) {
      logger.error({ err, userId: o.userId }, 'slack interaction failed');
      await privately(o, v.view('Something went wrong', v.section(':warning: Something went wrong on our side. It has been logged; please try again in a moment.'))).catch(
        (sendErr: unknown) => logger.error({ err: sendErr }, 'could not tell the person about the failure'),
      );
    }
    for (const write of later) {
      await write().catch((err: unknown) => logger.error({ err, userId: o.userId }, 'slack: a write after the reply failed'));
    }
  };

  const deliver = async (reply: Reply, o: Origin): Promise<void> => {
    switch (reply.kind) {
      case 'none':
        return;
      case 'private':
        return privately(o, reply.view);
      case 'public':
        if (o.command && o.respond) await o.respond({ response_type: 'in_channel', ...asBlocks(await chat.message(reply.view)) });
        else await chat.post(o.channel ?? o.userId, reply.view);
        return;
      case 'update':
        if (o.message?.ephemeral && o.respond) await o.respond({ replace_original: true, ...asBlocks(await chat.message(reply.view)) });
        else if (o.message) await chat.update({ platform: 'slack', channel: o.message.channel, messageId: o.message.ts }, reply.view);
        else if (o.home) await client.views.publish({ user_id: o.userId, view: (await chat.home(reply.view)) as unknown as slackTypes.HomeView });
        else await privately(o, reply.view);
        return;
      case 'form':
        if (o.triggerId) {
          await client.views.open({ trigger_id: o.triggerId, view: (await chat.modal(reply.form)) as unknown as slackTypes.ModalView });
        } else {
          await privately(
            o,
            v.view(
              reply.form.title,
              v.section(`*${reply.form.title}* needs a form, and Slack opens forms only from a slash command or a button. Try \`/tandem help\` to find the command.`),
            ),
          );
        }
        return;
      case 'form_errors':
        logger.warn({ errors: reply.errors }, 'form errors returned outside a form submission');
        return;
    }
  };

  // Slack retries an event it thinks was not acknowledged (X-Slack-Retry-Num, up to three times over about five
  // minutes). Each event id is processed once across every Tandem process: a short in-flight lock (SET NX) keeps
  // concurrent duplicates out, and the id is marked done only after processing. A process that dies mid-event
  // leaves only the lock, which expires, so Slack's next retry is processed instead of lost.
  app.use(async ({ body, next }) => {
    const eventId = 'event_id' in body && typeof body.event_id === 'string' ? body.event_id : undefined;
    if (!eventId) return next();
    const key = `${config.QUEUE_PREFIX}:slack:event:${eventId}`;
    if ((await ctx.redis.set(key, 'processing', 'EX', EVENT_LOCK_SECONDS, 'NX')) !== 'OK') {
      logger.info({ eventId }, 'slack event already processed or in progress; retry ignored');
      return;
    }
    try {
      await next();
    } catch (err) {
      await ctx.redis.del(key);
      throw err;
    }
    await ctx.redis.set(key, 'done', 'EX', EVENT_DEDUPE_SECONDS);
  });

  // Every command core knows (`/tandem`, `/kudos`, …) goes to core by name; unknown ones get a clear answer from core.
  app.command(/^\/.+/, async ({ command, ack }) => {
    await ack();
    const origin: Origin = { userId: command.user_id, channel: command.channel_id, triggerId: command.trigger_id, command: true };
    const respond = responses.to(command.response_url);
    if (respond) origin.respond = respond;
    await answering(origin, async (afterReply) => {
      const person = await actor(command.team_id, command.user_id, (view) => privately(origin, view), afterReply);
      if (!person) return;
      const ictx = context(person, command.channel_id, command.trigger_id);
      const text = await people.resolveMentions(command.team_id, command.text ?? '');
      const answer = await core.interactions.runCommand(ictx, command.command.replace(/^\//, ''), text);
      await deliver(answer, origin);
    });
  });

  app.action({ type: 'block_actions' }, async ({ body, action, ack }) => {
    await ack();
    if (action.action_id.startsWith(LINK_ACTION_PREFIX)) return;
    const teamId = body.user.team_id ?? body.team?.id ?? '';
    const container = body.container as { type?: string; channel_id?: string; message_ts?: string; is_ephemeral?: boolean };
    const channel = container.channel_id ?? body.channel?.id;
    const origin: Origin = { userId: body.user.id, triggerId: body.trigger_id };
    if (channel) origin.channel = channel;
    const respond = responses.to(body.response_url);
    if (respond) origin.respond = respond;
    if (container.type === 'message' && channel && container.message_ts) {
      origin.message = { channel, ts: container.message_ts, ephemeral: Boolean(container.is_ephemeral) };
    }
    if (body.view?.type === 'home') origin.home = true;
    await answering(origin, async (afterReply) => {
      const person = await actor(teamId, body.user.id, (view) => privately(origin, view), afterReply);
      if (!person) return;
      const ictx = context(person, channel, body.trigger_id);
      if (origin.message) ictx.message = { platform: 'slack', channel: origin.message.channel, messageId: origin.message.ts };
      const value = 'value' in action && typeof action.value === 'string' ? action.value : 'selected_option' in action ? action.selected_option?.value : undefined;
      const answer = await core.interactions.runAction(ictx, actionIdOf(action.action_id), value);
      await deliver(answer, origin);
    });
  });

  app.view({ type: 'view_submission' }, async ({ body, view, ack }) => {
    const teamId = body.user.team_id ?? body.team?.id ?? '';
    let person: Person;
    try {
      person = await people.identify(teamId, body.user.id);
    } catch (err) {
      if (!isDomainError(err)) throw err;
      await ack({ response_action: 'errors', errors: Object.fromEntries(Object.keys(view.state.values).map((k) => [k, err.message])) });
      return;
    }
    const ictx = context(person, undefined, view.id);
    const values = await formValues(view.state.values, (userId) => people.identify(teamId, userId).then((p) => p.id));
    const answer = await core.interactions.submitForm(ictx, view.callback_id, values, view.private_metadata || undefined);
    if (answer.kind === 'form_errors') {
      await ack({ response_action: 'errors', errors: answer.errors });
      return;
    }
    if (answer.kind === 'form') {
      await ack({ response_action: 'update', view: (await chat.modal(answer.form)) as unknown as slackTypes.ModalView });
      return;
    }
    await ack();
    await deliver(answer, { userId: body.user.id });
  });

  // A DM to Tandem: a person's words (not a bot's, not an edit or join notice) go to core's direct-message handlers.
  app.event('message', async ({ event, body }) => {
    if (event.channel_type !== 'im' || event.subtype !== undefined || 'bot_id' in event) return;
    const teamId = (body as { team_id?: string }).team_id ?? ('team' in event && typeof event.team === 'string' ? event.team : '');
    const userId = event.user;
    const origin = { userId, channel: event.channel };
    await answering(origin, async (afterReply) => {
      const person = await actor(teamId, userId, (view) => chat.post(event.channel, view), afterReply);
      if (!person) return;
      const ictx = context(person, event.channel, (body as { event_id?: string }).event_id);
      const text = await people.resolveMentions(teamId, event.text ?? '');
      await deliver(await core.interactions.directText(ictx, text), origin);
    });
  });

  // "@Tandem help" in a channel: the words after the mention are read as a command.
  app.event('app_mention', async ({ event, body }) => {
    if (!event.user || event.bot_id) return;
    const teamId = (body as { team_id?: string }).team_id ?? event.team ?? '';
    const userId = event.user;
    const origin = { userId, channel: event.channel };
    await answering(origin, async (afterReply) => {
      const person = await actor(teamId, userId, (view) => privately(origin, view), afterReply);
      if (!person) return;
      const ictx = context(person, event.channel, (body as { event_id?: string }).event_id);
      const words = (event.text ?? '').replace(/^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>\s*/, '');
      const text = await people.resolveMentions(teamId, words);
      await deliver(await core.interactions.commandFromText(ictx, text), origin);
    });
  });

  registerMessageShortcuts(app, { core, people, chat, logger });

  app.event('app_home_opened', async ({ event, body }) => {
    if (event.tab !== 'home') return;
    const teamId = (body as { team_id?: string }).team_id ?? '';
    const person = await actor(teamId, event.user, async () => undefined);
    if (!person) return;
    const ictx = context(person, undefined, (body as { event_id?: string }).event_id);
    const view = (await core.interactions.renderHome(ictx)) ?? core.tandem.helpView(core.interactions);
    await client.views.publish({ user_id: event.user, view: (await chat.home(view)) as unknown as slackTypes.HomeView });
  });

  app.event('app_uninstalled', async ({ body }) => {
    logger.warn({ teamId: (body as { team_id?: string }).team_id }, 'Tandem was uninstalled from a Slack workspace');
  });
  app.event('tokens_revoked', async ({ event, body }) => {
    logger.warn({ teamId: (body as { team_id?: string }).team_id, tokens: event.tokens }, 'Slack tokens were revoked');
  });

  app.error(async (err) => {
    logger.error({ err }, 'slack listener failed');
  });

  let started = false;
  return {
    chat,
    routes: http ? { [`POST ${SLACK_EVENTS_PATH}`]: http.listener } : {},
    async start() {
      await app.init();
      if (socketMode) await app.start();
      started = true;
      logger.info({ mode: socketMode ? 'socket' : 'http', path: socketMode ? undefined : SLACK_EVENTS_PATH }, 'slack ready');
    },
    /** Socket Mode disconnects; over HTTP, the work of every request already acknowledged is finished first. */
    async stop() {
      if (started) await app.stop();
      responses.close();
      api.close();
    },
  };
}

/**
 * A submitted modal's state as core form values: text, numbers, options and
 * dates as strings, checkboxes and multi-selects as arrays, a chosen Slack
 * user as the id of their Person.
 */
export async function formValues(state: Record<string, Record<string, ViewStateValue>>, personOf: (userId: string) => Promise<string>): Promise<FormValues> {
  const values: FormValues = {};
  for (const [blockId, actions] of Object.entries(state)) {
    for (const value of Object.values(actions)) {
      switch (value.type) {
        case 'plain_text_input':
        case 'number_input':
          values[blockId] = value.value ?? undefined;
          break;
        case 'static_select':
        case 'radio_buttons':
          values[blockId] = value.selected_option?.value ?? undefined;
          break;
        case 'checkboxes':
        case 'multi_static_select':
          values[blockId] = (value.selected_options ?? []).map((o) => o.value);
          break;
        case 'users_select':
          values[blockId] = value.selected_user ? await personOf(value.selected_user) : undefined;
          break;
        case 'multi_users_select':
          values[blockId] = await Promise.all((value.selected_users ?? []).map(personOf));
          break;
        case 'datepicker':
          values[blockId] = value.selected_date ?? undefined;
          break;
        default:
          values[blockId] = value.value ?? undefined;
      }
    }
  }
  return values;
}

/**
 * The Web API client's debug lines that echo request and response bodies: they
 * hold message contents (a survey summary, check-in answers) next to the DM
 * channel, so they never reach Tandem's logs.
 */
const BODY_ECHO = /^http request (body|result)\b/;

/** Bolt's logger interface over pino. */
function toBoltLogger(logger: PinoLogger): BoltLogger {
  const text = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
  let level = LogLevel.INFO;
  return {
    // Bolt and its Web API client log several debug lines per request: formatted only when debug is on.
    debug: (...msg: unknown[]) => {
      if (!logger.isLevelEnabled('debug')) return;
      const line = text(msg);
      if (!BODY_ECHO.test(line)) logger.debug(line);
    },
    info: (...msg: unknown[]) => logger.info(text(msg)),
    warn: (...msg: unknown[]) => logger.warn(text(msg)),
    error: (...msg: unknown[]) => logger.error(text(msg)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
