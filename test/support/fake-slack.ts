/**
 * A fake Slack Web API: a local HTTP server that answers like slack.com/api
 * (`{ok:true,…}` / `{ok:false,error}`), records every call, and can be
 * scripted to fail or rate-limit. Point Tandem at it with SLACK_API_URL
 * (`slackEnv(fake)` in ./slack.ts does it for you).
 *
 *   const fake = await FakeSlack.start();
 *   fake.addUser({ id: 'U1', realName: 'Ana Lima', email: 'ana@example.com', tz: 'Europe/Lisbon' });
 *   const tandem = await startTestTandem(slackEnv(fake));
 *   …
 *   await fake.waitFor('chat.postMessage');            // resolves with the calls so far
 *   fake.callsTo('chat.postMessage')[0].args.blocks    // parsed Block Kit
 *   await fake.close();
 *
 * API
 * - `FakeSlack.start({ port?, teamId?, botUserId?, rateLimit?, autoUsers? })`; `close()`.
 * - `apiUrl`: base URL for SLACK_API_URL (ends in /api/). `url`: the server root.
 * - Users for users.info / users.lookupByEmail: `addUser({ id, realName?, name?, email?, tz?, isBot?, isAppUser?, teamId? })`.
 *   With `autoUsers` (default true) an unknown id is answered as a person named "User <id>",
 *   email <id>@example.com (lower case), tz UTC; with false it is `user_not_found`.
 * - Calls: `calls` (every request, in order, including refused ones, with `status` and `answer`),
 *   `callsTo(method)` (only those answered ok:true), `waitFor(method, count = 1, timeoutMs = 5000)`,
 *   `waitUntil(predicate, timeoutMs)`, `reset()` (forgets calls, messages, responses, webhooks and scripts; keeps users).
 * - Messages: `messages` (ts → {channel, ts, text, blocks, metadata, updates}) for chat.postMessage / chat.update.
 * - response_url: `responseUrl(id?)` gives a URL on this server; everything POSTed to it is in `responses`
 *   (`waitForResponses(count)`).
 * - Incoming webhooks: `webhookUrl(id?)` gives a URL like https://hooks.slack.com/services/…; each JSON body POSTed
 *   to it is in `webhooks` and answered `ok` (text/plain), as Slack does (Alertmanager's `slack_configs.api_url`).
 * - Errors: `failNext(method, error, times = 1)` answers `{ok:false,error}`;
 *   `rateLimitNext(method, retryAfterSeconds = 1, times = 1)` answers HTTP 429 with Retry-After;
 *   `httpErrorNext(method, status = 503, times = 1)` answers that HTTP status, a text body
 *   (`method` may be '*' for any method).
 * - Token bucket: `FakeSlack.start({ rateLimit: { perSecond, burst?, methods? } })` or `setRateLimit(...)`
 *   answers 429 + Retry-After once a method's bucket is empty (per method, like Slack's tiers; `methods`
 *   limits it to some methods). `rateLimited` counts the 429s sent.
 * - Every Block Kit payload (chat.postMessage/update/postEphemeral, views.open/update/push/publish, response_url)
 *   is checked against Slack's limits: a breaking payload is answered `invalid_blocks` and listed in `invalidPayloads`.
 * - Socket Mode: apps.connections.open answers a ws:// URL on this server. `waitForSocket()` resolves once
 *   Tandem is connected (after Slack's `hello`); `socketSend(type, payload)` delivers an envelope
 *   (`slash_commands`, `interactive`, `events_api`) and returns its envelope_id; `waitForSocketAck(id)`
 *   resolves with the ack's payload Tandem sent back.
 * Methods: api.test, apps.connections.open, auth.test, chat.postMessage, chat.update, chat.postEphemeral, chat.delete,
 * views.open, views.update, views.push, views.publish, users.info, users.lookupByEmail,
 * conversations.open, conversations.history (newest first, `oldest`, `limit`, metadata with include_all_metadata),
 * conversations.info, team.info; anything else is `unknown_method`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { blockKitViolations, type Surface } from './slack.js';

export interface FakeSlackUser {
  id: string;
  teamId?: string;
  name?: string;
  realName?: string;
  email?: string;
  tz?: string;
  isBot?: boolean;
  isAppUser?: boolean;
}

export interface FakeSlackCall {
  method: string;
  args: Record<string, unknown>;
  token: string | undefined;
  status: number;
  answer: Record<string, unknown>;
  at: number;
}

export interface FakeSlackMessage {
  channel: string;
  ts: string;
  text: string | undefined;
  blocks: unknown;
  /** chat.postMessage's `metadata` ({event_type, event_payload}), returned by conversations.history with include_all_metadata. */
  metadata?: unknown;
  updates: number;
}

export interface FakeResponse {
  id: string;
  body: Record<string, unknown>;
  at: number;
}

export interface RateLimitOptions {
  perSecond: number;
  burst?: number;
  methods?: string[];
}

export interface FakeSlackOptions {
  port?: number;
  teamId?: string;
  botUserId?: string;
  botId?: string;
  rateLimit?: RateLimitOptions;
  autoUsers?: boolean;
  /**
   * What is kept of each API call's arguments (in `calls` and `messages`) and each webhook's body (default: all of
   * it); when set, a message an answer echoes is not kept in `calls` either. A benchmark of many thousand messages
   * keeps a few fields: the whole Block Kit of each grew this process's heap to a gigabyte, and its collector's
   * pauses delayed the answers it was timing.
   */
  keep?: (args: Record<string, unknown>) => Record<string, unknown>;
}

type Script = { kind: 'error'; error: string } | { kind: '429'; retryAfter: number } | { kind: 'http'; status: number };

const BLOCK_SURFACES: Record<string, Surface> = {
  'chat.postMessage': 'message',
  'chat.update': 'message',
  'chat.postEphemeral': 'message',
};

export class FakeSlack {
  readonly calls: FakeSlackCall[] = [];
  readonly responses: FakeResponse[] = [];
  readonly webhooks: FakeResponse[] = [];
  readonly messages = new Map<string, FakeSlackMessage>();
  readonly invalidPayloads: { method: string; violations: string[] }[] = [];
  /** Files uploaded through files.getUploadURLExternal + the upload URL + files.completeUploadExternal (files.uploadV2). */
  readonly files = new Map<string, { bytes: Buffer; filename: string; title?: string; completed: boolean; channel?: string }>();
  rateLimited = 0;
  readonly socketAcks = new Map<string, Record<string, unknown>>();
  private readonly sockets = new Set<WebSocket>();
  private readonly wss: WebSocket.Server;
  private readonly users = new Map<string, FakeSlackUser>();
  private readonly scripts = new Map<string, Script[]>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private rateLimit: RateLimitOptions | null;
  private counter = 0;
  private readonly teamId: string;
  private readonly botUserId: string;
  private readonly botId: string;
  private readonly autoUsers: boolean;
  private readonly keep: (args: Record<string, unknown>) => Record<string, unknown>;
  /** What is kept of an answer in `calls`: all of it, or (with `keep`) all but the message it echoes. */
  private readonly keepAnswer: (answer: Record<string, unknown>) => Record<string, unknown>;

  private constructor(
    private readonly server: http.Server,
    opts: FakeSlackOptions,
  ) {
    this.teamId = opts.teamId ?? 'T1DC2JH3J';
    this.botUserId = opts.botUserId ?? 'UTANDEMBOT';
    this.botId = opts.botId ?? 'BTANDEM';
    this.autoUsers = opts.autoUsers ?? true;
    this.keep = opts.keep ?? ((args) => args);
    this.keepAnswer = opts.keep ? ({ message: _echoed, ...rest }) => rest : (answer) => answer;
    this.rateLimit = opts.rateLimit ?? null;
    this.addUser({ id: this.botUserId, realName: 'Tandem', name: 'tandem', isBot: true });
    this.wss = new WebSocket.Server({ server, path: '/socket' });
    this.wss.on('connection', (ws: WebSocket) => {
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
      ws.on('message', (data: WebSocket.Data) => {
        const message = JSON.parse(String(data)) as { envelope_id?: string; payload?: Record<string, unknown> };
        if (message.envelope_id) this.socketAcks.set(message.envelope_id, message.payload ?? {});
      });
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A111' }, debug_info: { host: 'fake' } }));
    });
  }

  /** Resolves once a Socket Mode client is connected. */
  async waitForSocket(timeoutMs = 5000): Promise<void> {
    await this.waitUntil(() => this.sockets.size > 0, timeoutMs, 'a Socket Mode connection');
  }

  /** Sends a Socket Mode envelope to every connected client; returns its envelope_id. */
  socketSend(type: 'slash_commands' | 'interactive' | 'events_api', payload: Record<string, unknown>): string {
    const envelopeId = randomBytes(8).toString('hex');
    const message = JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api', retry_attempt: 0, retry_reason: '' });
    for (const ws of this.sockets) ws.send(message);
    return envelopeId;
  }

  async waitForSocketAck(envelopeId: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    await this.waitUntil(() => this.socketAcks.has(envelopeId), timeoutMs, `the ack of envelope ${envelopeId}`);
    return this.socketAcks.get(envelopeId) ?? {};
  }

  static async start(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
    const server = http.createServer();
    // Idle connections are kept as Slack's edge keeps them (node's agents keep none when the server's hint is 1 s).
    server.keepAliveTimeout = 5000;
    const fake = new FakeSlack(server, opts);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      fake.handle(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  responseUrl(id = randomBytes(6).toString('hex')): string {
    return `${this.url}/response/${id}`;
  }

  webhookUrl(id = randomBytes(6).toString('hex')): string {
    return `${this.url}/services/${id}`;
  }

  addUser(user: FakeSlackUser): this {
    this.users.set(user.id, user);
    return this;
  }

  failNext(method: string, error: string, times = 1): this {
    return this.script(method, { kind: 'error', error }, times);
  }

  rateLimitNext(method: string, retryAfterSeconds = 1, times = 1): this {
    return this.script(method, { kind: '429', retryAfter: retryAfterSeconds }, times);
  }

  httpErrorNext(method: string, status = 503, times = 1): this {
    return this.script(method, { kind: 'http', status }, times);
  }

  setRateLimit(limit: RateLimitOptions | null): this {
    this.rateLimit = limit;
    this.buckets.clear();
    return this;
  }

  callsTo(method: string): FakeSlackCall[] {
    return this.calls.filter((c) => c.method === method && c.answer.ok === true);
  }

  async waitFor(method: string, count = 1, timeoutMs = 5000): Promise<FakeSlackCall[]> {
    await this.waitUntil(() => this.callsTo(method).length >= count, timeoutMs, `${count} successful ${method} call(s)`);
    return this.callsTo(method);
  }

  async waitForResponses(count = 1, timeoutMs = 5000): Promise<FakeResponse[]> {
    await this.waitUntil(() => this.responses.length >= count, timeoutMs, `${count} response_url post(s)`);
    return this.responses;
  }

  async waitUntil(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) {
        const seen = this.calls.map((c) => `${c.method}:${c.status}:${String(c.answer.error ?? 'ok')}`).join(', ');
        throw new Error(`fake Slack: timed out after ${timeoutMs} ms waiting for ${what}; calls so far: [${seen}]`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  reset(): void {
    this.calls.length = 0;
    this.responses.length = 0;
    this.webhooks.length = 0;
    this.invalidPayloads.length = 0;
    this.messages.clear();
    this.scripts.clear();
    this.buckets.clear();
    this.rateLimited = 0;
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private script(method: string, s: Script, times: number): this {
    const list = this.scripts.get(method) ?? [];
    for (let i = 0; i < times; i++) list.push(s);
    this.scripts.set(method, list);
    return this;
  }

  private nextScript(method: string): Script | undefined {
    for (const key of [method, '*']) {
      const list = this.scripts.get(key);
      if (list && list.length > 0) return list.shift();
    }
    return undefined;
  }

  /** Takes a token from the method's bucket; returns the seconds to wait when it is empty. */
  private throttle(method: string): number | null {
    const limit = this.rateLimit;
    if (!limit || (limit.methods && !limit.methods.includes(method))) return null;
    const burst = limit.burst ?? limit.perSecond;
    const now = Date.now();
    const bucket = this.buckets.get(method) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.perSecond);
    bucket.at = now;
    this.buckets.set(method, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return null;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '/').split('?')[0] ?? '/';

    if (path.startsWith('/upload/')) {
      // The upload URL files.getUploadURLExternal hands out: the file's bytes, raw or as a multipart form.
      const file = this.files.get(path.slice('/upload/'.length));
      if (!file) return void res.writeHead(404).end();
      file.bytes = uploadedBytes(Buffer.concat(chunks), req.headers['content-type']);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${file.bytes.length}`);
      return;
    }

    if (path.startsWith('/response/')) {
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      const violations = Array.isArray(body.blocks) ? blockKitViolations(body, 'message') : [];
      if (violations.length > 0) {
        this.invalidPayloads.push({ method: 'response_url', violations });
        res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_blocks');
        return;
      }
      this.responses.push({ id: path.slice('/response/'.length), body, at: Date.now() });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (path.startsWith('/services/') && req.method === 'POST') {
      this.webhooks.push({ id: path.slice('/services/'.length), body: this.keep(JSON.parse(raw) as Record<string, unknown>), at: Date.now() });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (!path.startsWith('/api/')) {
      res.writeHead(404).end();
      return;
    }
    const method = path.slice('/api/'.length);
    const args = parseArgs(raw, req.headers['content-type']);
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : typeof args.token === 'string' ? args.token : undefined;
    const record = (status: number, answer: Record<string, unknown>) => {
      this.calls.push({ method, args: this.keep(args), token, status, answer: this.keepAnswer(answer), at: Date.now() });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...(status === 429 ? { 'retry-after': String(answer.retryAfter) } : {}) });
      res.end(JSON.stringify(status === 429 ? { ok: false, error: 'ratelimited' } : answer));
    };

    const scripted = this.nextScript(method);
    if (scripted?.kind === 'http') {
      this.calls.push({ method, args: this.keep(args), token, status: scripted.status, answer: { ok: false, error: 'http' }, at: Date.now() });
      res.writeHead(scripted.status, { 'content-type': 'text/plain' }).end('upstream trouble');
      return;
    }
    if (scripted?.kind === '429') {
      this.rateLimited += 1;
      return record(429, { ok: false, error: 'ratelimited', retryAfter: scripted.retryAfter });
    }
    const wait = this.throttle(method);
    if (wait !== null) {
      this.rateLimited += 1;
      return record(429, { ok: false, error: 'ratelimited', retryAfter: wait });
    }
    if (scripted?.kind === 'error') return record(200, { ok: false, error: scripted.error });
    if (!token && method !== 'api.test') return record(200, { ok: false, error: 'not_authed' });
    return record(200, this.answer(method, args));
  }

  private ts(): string {
    this.counter += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.counter).padStart(6, '0')}`;
  }

  private checkBlocks(method: string, payload: unknown, surface: Surface): Record<string, unknown> | null {
    const violations = blockKitViolations(payload, surface);
    if (violations.length === 0) return null;
    this.invalidPayloads.push({ method, violations });
    return { ok: false, error: 'invalid_blocks', errors: violations };
  }

  private user(id: string): FakeSlackUser | undefined {
    return this.users.get(id) ?? (this.autoUsers && /^[UW][A-Z0-9]+$/.test(id) ? { id, realName: `User ${id}`, email: `${id.toLowerCase()}@example.com`, tz: 'UTC' } : undefined);
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    const surface = BLOCK_SURFACES[method];
    if (surface && args.blocks !== undefined) {
      const invalid = this.checkBlocks(method, { text: args.text, blocks: args.blocks }, surface);
      if (invalid) return invalid;
    }
    switch (method) {
      case 'api.test':
        return { ok: true, args };
      case 'apps.connections.open':
        return { ok: true, url: `${this.url.replace(/^http/, 'ws')}/socket` };
      case 'auth.test':
        return { ok: true, url: 'https://testteamnow.slack.com/', team: 'Test Team', user: 'tandem', team_id: this.teamId, user_id: this.botUserId, bot_id: this.botId, is_enterprise_install: false };
      case 'chat.postMessage': {
        const channel = String(args.channel ?? '');
        if (!channel) return { ok: false, error: 'channel_not_found' };
        if (args.text === undefined && args.blocks === undefined) return { ok: false, error: 'no_text' };
        const ts = this.ts();
        const kept = this.keep(args);
        this.messages.set(ts, { channel, ts, text: kept.text as string | undefined, blocks: kept.blocks, metadata: kept.metadata, updates: 0 });
        return { ok: true, channel, ts, message: { type: 'message', text: args.text, blocks: args.blocks, ts, bot_id: this.botId } };
      }
      case 'chat.update': {
        const message = this.messages.get(String(args.ts ?? ''));
        if (!message || message.channel !== args.channel) return { ok: false, error: 'message_not_found' };
        message.text = args.text as string | undefined;
        message.blocks = args.blocks;
        message.updates += 1;
        return { ok: true, channel: message.channel, ts: message.ts, text: args.text };
      }
      case 'chat.postEphemeral':
        if (!args.channel || !args.user) return { ok: false, error: 'channel_not_found' };
        return { ok: true, message_ts: this.ts() };
      case 'chat.delete':
        return this.messages.delete(String(args.ts ?? '')) ? { ok: true, channel: args.channel, ts: args.ts } : { ok: false, error: 'message_not_found' };
      case 'views.open':
      case 'views.push':
      case 'views.update':
      case 'views.publish': {
        if (method === 'views.publish' && !args.user_id) return { ok: false, error: 'invalid_arguments' };
        if ((method === 'views.open' || method === 'views.push') && !args.trigger_id) return { ok: false, error: 'invalid_trigger_id' };
        const view = args.view as Record<string, unknown> | undefined;
        if (!view) return { ok: false, error: 'invalid_arguments' };
        const invalid = this.checkBlocks(method, view, view.type === 'home' ? 'home' : 'modal');
        if (invalid) return invalid;
        return { ok: true, view: { id: `V${randomBytes(4).toString('hex').toUpperCase()}`, team_id: this.teamId, ...view } };
      }
      case 'files.getUploadURLExternal': {
        const filename = String(args.filename ?? '');
        const length = Number(args.length);
        if (!filename || !Number.isInteger(length) || length < 1) return { ok: false, error: 'invalid_arguments' };
        this.counter += 1;
        const id = `F${String(this.counter).padStart(10, '0')}`;
        this.files.set(id, { bytes: Buffer.alloc(0), filename, completed: false });
        return { ok: true, upload_url: `${this.url}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const list = (typeof args.files === 'string' ? JSON.parse(args.files) : args.files) as { id: string; title?: string }[] | undefined;
        if (!Array.isArray(list) || list.length === 0) return { ok: false, error: 'invalid_arguments' };
        const done = [];
        for (const f of list) {
          const file = this.files.get(f.id);
          if (!file || file.bytes.length === 0) return { ok: false, error: 'file_not_found' };
          Object.assign(file, { completed: true, title: f.title, ...(typeof args.channel_id === 'string' ? { channel: args.channel_id } : {}) });
          done.push({ id: f.id, name: file.filename, title: f.title ?? file.filename, mimetype: 'image/png', size: file.bytes.length });
        }
        return { ok: true, files: done };
      }
      case 'users.info': {
        const user = this.user(String(args.user ?? ''));
        if (!user) return { ok: false, error: 'user_not_found' };
        return { ok: true, user: slackUser(user, this.teamId) };
      }
      case 'users.lookupByEmail': {
        const user = [...this.users.values()].find((u) => u.email?.toLowerCase() === String(args.email ?? '').toLowerCase());
        return user ? { ok: true, user: slackUser(user, this.teamId) } : { ok: false, error: 'users_not_found' };
      }
      case 'conversations.open': {
        const users = String(args.users ?? '');
        if (!users) return { ok: false, error: 'users_list_not_supplied' };
        return { ok: true, channel: { id: `D${users.replace(/^[UW]/, '').split(',')[0]}` } };
      }
      case 'conversations.history': {
        // Newest first, as Slack answers; `oldest` bounds it; metadata only with include_all_metadata.
        const oldest = Number(args.oldest ?? 0);
        const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true';
        const messages = [...this.messages.values()]
          .filter((m) => m.channel === args.channel && Number(m.ts) >= oldest)
          .sort((a, b) => Number(b.ts) - Number(a.ts))
          .slice(0, Number(args.limit ?? 100))
          .map((m) => ({ type: 'message', ts: m.ts, text: m.text, bot_id: this.botId, ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}) }));
        return { ok: true, messages, has_more: false, response_metadata: { next_cursor: '' } };
      }
      case 'conversations.info':
        return { ok: true, channel: { id: args.channel, name: 'general', is_channel: true } };
      case 'team.info':
        return { ok: true, team: { id: this.teamId, name: 'Test Team', domain: 'testteamnow' } };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}

function slackUser(u: FakeSlackUser, teamId: string): Record<string, unknown> {
  return {
    id: u.id,
    team_id: u.teamId ?? teamId,
    name: u.name ?? (u.realName ?? u.id).toLowerCase().replace(/\s+/g, '.'),
    real_name: u.realName,
    tz: u.tz ?? 'UTC',
    is_bot: u.isBot ?? false,
    is_app_user: u.isAppUser ?? false,
    deleted: false,
    profile: { real_name: u.realName, display_name: u.name ?? '', email: u.email },
  };
}

/** The Web API client sends form fields, objects JSON-encoded inside them; some callers send JSON. */
/** The file in an upload: the body itself, or the first part of a multipart form (what @slack/web-api sends). */
function uploadedBytes(body: Buffer, contentType: string | undefined): Buffer {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType ?? '')?.[2];
  if (!boundary) return body;
  const start = body.indexOf('\r\n\r\n');
  const end = body.indexOf(`\r\n--${boundary}`, start);
  return start < 0 || end < 0 ? body : body.subarray(start + 4, end);
}

function parseArgs(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (contentType?.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    if (/^[[{]/.test(value)) {
      try {
        args[key] = JSON.parse(value);
        continue;
      } catch {
        // a plain string that starts with a bracket
      }
    }
    args[key] = value;
  }
  return args;
}
