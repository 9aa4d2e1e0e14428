/**
 * Slack test helpers: request signing, payload builders shaped like the real
 * payloads in ../shared/fixtures/slack, a sender that posts them to a running
 * Tandem, and an independent checker of Block Kit limits.
 *
 *   const body = slashCommand({ command: '/tandem', text: 'help', responseUrl: fake.responseUrl() });
 *   const res = await sendSlack(tandem.url, body, { secret: SLACK_TEST_ENV.SLACK_SIGNING_SECRET });
 *
 * `slackEnv(fake)` gives the environment for `startTestTandem` (secret, bot token, fake API URL).
 * Builders: slashCommand, blockActions, viewSubmission, eventCallback, messageIm, appHomeOpened.
 * Encoders: formBody (slash commands), interactionBody (payload=… for actions and views), JSON for events.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { FakeSlack } from './fake-slack.js';

export const SLACK_TEST_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
export const SLACK_TEST_TOKEN = 'xoxb-test-0000-tandem';
export const SLACK_TEAM = 'T1DC2JH3J';

/** Environment for startTestTandem with Slack enabled against a fake Web API. */
export function slackEnv(fake: FakeSlack, extra: Record<string, string> = {}): Record<string, string> {
  return { SLACK_SIGNING_SECRET: SLACK_TEST_SECRET, SLACK_BOT_TOKEN: SLACK_TEST_TOKEN, SLACK_API_URL: fake.apiUrl, ...extra };
}

/** Slack's v0 signature: HMAC-SHA256(secret, `v0:${timestamp}:${body}`). */
export function signature(body: string, timestamp: number, secret = SLACK_TEST_SECRET): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SlackRequest {
  body: string;
  contentType: 'application/x-www-form-urlencoded' | 'application/json';
}

export interface SendOptions {
  secret?: string;
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  /** Sends no signature headers at all. */
  unsigned?: boolean;
  /** Sets X-Slack-Retry-Num (and a retry reason), as Slack does when it redelivers an event. */
  retryNum?: number;
  path?: string;
}

/** Posts a (signed) request to Tandem's Slack endpoint, like Slack does. */
export async function sendSlack(baseUrl: string, request: SlackRequest, opts: SendOptions = {}): Promise<Response> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = { 'content-type': request.contentType, 'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)' };
  if (!opts.unsigned) {
    headers['x-slack-request-timestamp'] = String(timestamp);
    headers['x-slack-signature'] = signature(request.body, timestamp, opts.secret ?? SLACK_TEST_SECRET);
  }
  if (opts.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(opts.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  return fetch(`${baseUrl}${opts.path ?? '/slack/events'}`, { method: 'POST', headers, body: request.body });
}

export const formBody = (fields: Record<string, string>): SlackRequest => ({
  body: new URLSearchParams(fields).toString(),
  contentType: 'application/x-www-form-urlencoded',
});

/** Interactivity payloads are form-encoded JSON under `payload`, as in block_actions_button.form.txt. */
export const interactionBody = (payload: object): SlackRequest => formBody({ payload: JSON.stringify(payload) });

export const jsonBody = (payload: object): SlackRequest => ({ body: JSON.stringify(payload), contentType: 'application/json' });

const rand = (n = 6) => randomBytes(n).toString('hex');

export interface UserRef {
  teamId?: string;
  userId?: string;
  userName?: string;
}

/** A slash command as in fixtures/slack/slash_command.txt. */
export function slashCommand(opts: UserRef & { command?: string; text?: string; channelId?: string; channelName?: string; responseUrl: string; triggerId?: string }): SlackRequest {
  const teamId = opts.teamId ?? SLACK_TEAM;
  return formBody({
    token: 'xyzz0WbapA4vBCDEFasx0q6G',
    team_id: teamId,
    team_domain: 'testteamnow',
    channel_id: opts.channelId ?? 'C8PSS9T3V',
    channel_name: opts.channelName ?? 'foobar',
    user_id: opts.userId ?? 'U2CERLKJA',
    user_name: opts.userName ?? 'roadrunner',
    command: opts.command ?? '/tandem',
    text: opts.text ?? '',
    api_app_id: 'A111',
    response_url: opts.responseUrl,
    trigger_id: opts.triggerId ?? `398738663015.47445629121.${rand(16)}`,
  });
}

/** A button click (or select) as in fixtures/slack/block_actions_button.json. */
export function blockActions(
  opts: UserRef & {
    actionId: string;
    value?: string;
    selectedOption?: string;
    channelId?: string;
    messageTs?: string;
    ephemeral?: boolean;
    responseUrl: string;
    /** A click in the App Home tab or a modal instead of a message. */
    view?: { id: string; type: 'home' | 'modal' };
    message?: object;
  },
) {
  const teamId = opts.teamId ?? SLACK_TEAM;
  const channelId = opts.channelId ?? 'C111';
  const action: Record<string, unknown> = {
    action_id: opts.actionId,
    block_id: 'b',
    action_ts: `${Math.floor(Date.now() / 1000)}.194939`,
  };
  if (opts.selectedOption !== undefined) {
    Object.assign(action, { type: 'static_select', selected_option: { text: { type: 'plain_text', text: opts.selectedOption }, value: opts.selectedOption } });
  } else {
    Object.assign(action, { type: 'button', text: { type: 'plain_text', text: 'Button', emoji: true }, value: opts.value });
  }
  const payload: Record<string, unknown> = {
    type: 'block_actions',
    user: { id: opts.userId ?? 'W111', username: opts.userName ?? 'primary-owner', name: opts.userName ?? 'primary-owner', team_id: teamId },
    api_app_id: 'A111',
    token: 'verification_token',
    trigger_id: `111.222.${rand()}`,
    team: { id: teamId, domain: 'workspace-domain' },
    response_url: opts.responseUrl,
    actions: [action],
  };
  if (opts.view) {
    payload.container = { type: 'view', view_id: opts.view.id };
    payload.view = { id: opts.view.id, type: opts.view.type, team_id: teamId, blocks: [], state: { values: {} } };
  } else {
    payload.container = { type: 'message', message_ts: opts.messageTs ?? '111.222', channel_id: channelId, is_ephemeral: opts.ephemeral ?? false };
    payload.channel = { id: channelId, name: 'test-channel' };
    if (opts.message) payload.message = opts.message;
  }
  return interactionBody(payload);
}

/** A modal submission as in fixtures/slack/view_submission.json; `values` is view.state.values. */
export function viewSubmission(opts: UserRef & { callbackId: string; privateMetadata?: string; values: Record<string, Record<string, object>> }) {
  const teamId = opts.teamId ?? SLACK_TEAM;
  return interactionBody({
    type: 'view_submission',
    team: { id: teamId, domain: 'domain-name' },
    user: { id: opts.userId ?? 'U12345678', username: opts.userName ?? 'user-name', name: opts.userName ?? 'user-name', team_id: teamId },
    api_app_id: 'A12345678',
    token: 'random value',
    trigger_id: `768915595217.771150964790.${rand(16)}`,
    view: {
      id: `V${rand(4).toUpperCase()}`,
      team_id: teamId,
      type: 'modal',
      title: { type: 'plain_text', text: 'title string', emoji: true },
      blocks: [],
      private_metadata: opts.privateMetadata ?? '',
      callback_id: opts.callbackId,
      state: { values: opts.values },
      hash: '1569562184.10297bc3',
      root_view_id: 'V12345678',
      app_id: 'A12345678',
      bot_id: 'B12345678',
    },
  });
}

/** An Events API envelope (fixtures/slack/message_im.json shape) around `event`. */
export function eventCallback(event: Record<string, unknown>, opts: { teamId?: string; eventId?: string } = {}) {
  const teamId = opts.teamId ?? SLACK_TEAM;
  return jsonBody({
    token: 'verification_token',
    team_id: teamId,
    api_app_id: 'A111',
    event,
    type: 'event_callback',
    event_id: opts.eventId ?? `Ev${rand(5).toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: teamId, user_id: 'UBOT', is_bot: true, is_enterprise_install: false }],
  });
}

/** A DM to Tandem (message.im). */
export function messageIm(opts: UserRef & { text: string; channel?: string; eventId?: string }) {
  const ts = `${Math.floor(Date.now() / 1000)}.${rand(3)}`;
  return eventCallback(
    { type: 'message', user: opts.userId ?? 'W222', text: opts.text, ts, team: opts.teamId ?? SLACK_TEAM, channel: opts.channel ?? 'D111', event_ts: ts, channel_type: 'im' },
    { ...(opts.teamId ? { teamId: opts.teamId } : {}), ...(opts.eventId ? { eventId: opts.eventId } : {}) },
  );
}

export function appHomeOpened(opts: UserRef & { eventId?: string }) {
  return eventCallback(
    { type: 'app_home_opened', user: opts.userId ?? 'U12345678', channel: 'D12345678', tab: 'home', event_ts: `${Math.floor(Date.now() / 1000)}.000100` },
    { ...(opts.teamId ? { teamId: opts.teamId } : {}), ...(opts.eventId ? { eventId: opts.eventId } : {}) },
  );
}

// ---------------------------------------------------------------------------
// Block Kit limits, checked independently of the renderer
// (docs.slack.dev/reference/block-kit: blocks, block elements, composition objects, surfaces).

export type Surface = 'message' | 'modal' | 'home';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Every Block Kit limit a payload breaks, as readable lines; empty when it is valid. */
export function blockKitViolations(payload: unknown, surface: Surface): string[] {
  const out: string[] = [];
  const bad = (where: string, what: string) => out.push(`${where}: ${what}`);
  const actionIds = new Set<string>();

  const text = (where: string, t: unknown, max: number, kind?: 'plain_text' | 'mrkdwn') => {
    if (!isObj(t)) return bad(where, 'missing text object');
    if (t.type !== 'plain_text' && t.type !== 'mrkdwn') bad(where, `text type ${String(t.type)}`);
    if (kind && t.type !== kind) bad(where, `must be ${kind}`);
    const s = t.text;
    if (typeof s !== 'string' || s.length < 1) return bad(where, 'empty text');
    if (s.length > max) bad(where, `text of ${s.length} characters exceeds ${max}`);
  };
  const str = (where: string, s: unknown, max: number, required = true) => {
    if (s === undefined && !required) return;
    if (typeof s !== 'string' || s.length < 1) return bad(where, 'missing string');
    if (s.length > max) bad(where, `${s.length} characters exceeds ${max}`);
  };
  const option = (where: string, o: unknown) => {
    if (!isObj(o)) return bad(where, 'not an option');
    text(`${where}.text`, o.text, 75);
    str(`${where}.value`, o.value, 150);
    if (o.description !== undefined) text(`${where}.description`, o.description, 75, 'plain_text');
  };
  const options = (where: string, list: unknown, max: number) => {
    if (!Array.isArray(list) || list.length < 1) return bad(where, 'needs at least one option');
    if (list.length > max) bad(where, `${list.length} options exceeds ${max}`);
    list.forEach((o, i) => option(`${where}[${i}]`, o));
  };
  const element = (where: string, e: unknown) => {
    if (!isObj(e)) return bad(where, 'not an element');
    if (e.action_id !== undefined) {
      str(`${where}.action_id`, e.action_id, 255);
      if (typeof e.action_id === 'string') {
        if (actionIds.has(e.action_id)) bad(where, `duplicate action_id ${e.action_id}`);
        actionIds.add(e.action_id);
      }
    }
    if (e.placeholder !== undefined) text(`${where}.placeholder`, e.placeholder, 150, 'plain_text');
    switch (e.type) {
      case 'button':
        text(`${where}.text`, e.text, 75, 'plain_text');
        str(`${where}.value`, e.value, 2000, false);
        str(`${where}.url`, e.url, 3000, false);
        if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') bad(where, `style ${String(e.style)}`);
        if (e.confirm !== undefined) {
          const c = e.confirm as Obj;
          text(`${where}.confirm.title`, c.title, 100, 'plain_text');
          text(`${where}.confirm.text`, c.text, 300);
          text(`${where}.confirm.confirm`, c.confirm, 30, 'plain_text');
          text(`${where}.confirm.deny`, c.deny, 30, 'plain_text');
        }
        return;
      case 'static_select':
      case 'multi_static_select':
        if (e.placeholder === undefined && surface !== 'message') bad(where, 'select needs a placeholder');
        return options(`${where}.options`, e.options, 100);
      case 'radio_buttons':
      case 'checkboxes':
        return options(`${where}.options`, e.options, 10);
      case 'plain_text_input':
        if (typeof e.max_length === 'number' && e.max_length > 3000) bad(where, `max_length ${e.max_length} exceeds 3000`);
        if (typeof e.initial_value === 'string' && typeof e.max_length === 'number' && e.initial_value.length > e.max_length) bad(where, 'initial_value longer than max_length');
        return;
      case 'number_input':
        if (typeof e.is_decimal_allowed !== 'boolean') bad(where, 'number_input needs is_decimal_allowed');
        return;
      case 'datepicker':
        if (e.initial_date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(e.initial_date))) bad(where, 'initial_date must be YYYY-MM-DD');
        return;
      case 'users_select':
        return;
      case 'multi_users_select':
        if (e.initial_users !== undefined && !Array.isArray(e.initial_users)) bad(where, 'initial_users must be an array');
        return;
      default:
        bad(where, `unknown element type ${String(e.type)}`);
    }
  };
  const block = (where: string, b: unknown) => {
    if (!isObj(b)) return bad(where, 'not a block');
    if (b.block_id !== undefined) str(`${where}.block_id`, b.block_id, 255);
    switch (b.type) {
      case 'header':
        return text(`${where}.text`, b.text, 150, 'plain_text');
      case 'section':
        if (b.text === undefined && b.fields === undefined) bad(where, 'section needs text or fields');
        if (b.text !== undefined) text(`${where}.text`, b.text, 3000);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length > 10) bad(where, 'at most 10 fields');
          (Array.isArray(b.fields) ? b.fields : []).forEach((f, i) => text(`${where}.fields[${i}]`, f, 2000));
        }
        if (b.accessory !== undefined) element(`${where}.accessory`, b.accessory);
        return;
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length < 1 || b.elements.length > 10) return bad(where, 'context needs 1 to 10 elements');
        b.elements.forEach((t, i) => text(`${where}.elements[${i}]`, t, 3000));
        return;
      case 'divider':
        return;
      case 'image':
        // Block Kit: image_url (public http(s), ≤ 3000) or slack_file; alt_text required (≤ 2000).
        if (b.slack_file === undefined && !(typeof b.image_url === 'string' && /^https?:\/\//.test(b.image_url))) bad(where, 'image needs an http(s) image_url or a slack_file');
        if (b.image_url !== undefined) str(`${where}.image_url`, b.image_url, 3000);
        str(`${where}.alt_text`, b.alt_text, 2000);
        if (b.title !== undefined) text(`${where}.title`, b.title, 2000, 'plain_text');
        return;
      case 'actions':
        if (!Array.isArray(b.elements) || b.elements.length < 1 || b.elements.length > 25) return bad(where, 'actions needs 1 to 25 elements');
        b.elements.forEach((e, i) => element(`${where}.elements[${i}]`, e));
        return;
      case 'input':
        if (surface === 'message') bad(where, 'input blocks belong in modals');
        text(`${where}.label`, b.label, 2000, 'plain_text');
        if (b.hint !== undefined) text(`${where}.hint`, b.hint, 2000, 'plain_text');
        return element(`${where}.element`, b.element);
      default:
        bad(where, `unknown block type ${String(b.type)}`);
    }
  };

  if (!isObj(payload)) return ['payload is not an object'];
  const blocks = payload.blocks;
  const maxBlocks = surface === 'message' ? 50 : 100;
  if (!Array.isArray(blocks)) bad('blocks', 'missing');
  else {
    if (blocks.length > maxBlocks) bad('blocks', `${blocks.length} blocks exceeds ${maxBlocks}`);
    blocks.forEach((b, i) => block(`blocks[${i}]`, b));
  }
  if (surface === 'message' && payload.text !== undefined) str('text', payload.text, 40_000);
  if (surface === 'modal') {
    text('title', payload.title, 24, 'plain_text');
    if (payload.submit !== undefined) text('submit', payload.submit, 24, 'plain_text');
    if (payload.close !== undefined) text('close', payload.close, 24, 'plain_text');
    str('callback_id', payload.callback_id, 255, false);
    if (typeof payload.private_metadata === 'string' && payload.private_metadata.length > 3000) bad('private_metadata', 'exceeds 3000');
  }
  return out;
}
