/**
 * A fake Bot Framework connector: the REST service Teams runs at an
 * activity's `serviceUrl`, as a local HTTP server. Point activities' serviceUrl
 * at `fake.serviceUrl` (the builders in ./teams.ts do) and Tandem's real
 * botbuilder stack sends its replies, proactive messages, updates and member
 * lookups here. Without MICROSOFT_APP_ID Tandem sends no Authorization header,
 * which `requests[].authorization` lets a test check.
 *
 *   const connector = await FakeConnector.start({ members: [ANA] });
 *   const tandem = await startTestTandem();          // Teams is on by default, open (no app id)
 *   await postActivity(tandem.url, teamsMessage({ serviceUrl: connector.serviceUrl, from: ANA, text: 'help' }));
 *   const sent = await connector.waitForActivity((a) => a.conversationId === 'a:…');
 *   sent.activity.attachments[0].content            // the Adaptive Card
 *   await connector.close();
 *
 * Routes (all under /v3/conversations, ids URL-decoded):
 *   POST   /                                  create a conversation → { id: 'a:fake-N', activityId? }   (recorded in `created`)
 *   POST   /:conversationId/activities        send → { id: 'fake-activity-N' }                          (recorded, method 'POST')
 *   POST   /:conversationId/activities/:id    reply to :id → { id }                                    (recorded, replyToId = :id)
 *   PUT    /:conversationId/activities/:id    update in place → { id }                                  (recorded, method 'PUT')
 *   DELETE /:conversationId/activities/:id    delete → 200                                              (recorded, method 'DELETE')
 *   GET    /:conversationId/members/:memberId a member by Teams id (29:…) or AAD object id; 404 MemberNotFoundInConversation
 *   GET    /:conversationId/members           every member
 *   GET    /:conversationId/pagedmembers      { members } (one page)
 * Anything else answers 404 and is kept in `requests`.
 *
 * API: `serviceUrl`, `members` (mutable; `addMember`), `activities` (every
 * recorded activity, in order), `created` (conversations created), `requests`
 * (method, path, authorization of every request), `sentTo(conversationId)`,
 * `waitForActivity(predicate, timeoutMs)`, `failNext(status, times)` to make
 * the next activity sends fail (429 answers Retry-After: 1; botbuilder's
 * connector client retries 429 and 5xx itself, not 4xx), `clear()`, `close()`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeMember {
  /** The Teams user id, `29:…`. */
  id: string;
  name: string;
  aadObjectId: string;
  email?: string;
  userPrincipalName?: string;
  tenantId?: string;
  givenName?: string;
  surname?: string;
}

/** A message activity as Tandem sent it (what the connector received). */
export interface SentActivity {
  type?: string;
  id?: string;
  text?: string;
  summary?: string;
  replyToId?: string;
  conversation?: { id: string };
  attachments?: { contentType: string; content: Record<string, unknown> }[];
  [key: string]: unknown;
}

export interface RecordedActivity {
  method: 'POST' | 'PUT' | 'DELETE';
  conversationId: string;
  /** The id the fake gave (POST) or the id addressed (PUT, DELETE). */
  activityId: string;
  /** Set when Tandem replied to a given activity (POST …/activities/:id). */
  replyToId?: string;
  activity: SentActivity;
  authorization?: string;
}

export interface CreatedConversation {
  id: string;
  parameters: Record<string, unknown>;
  authorization?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  authorization?: string;
}

export class FakeConnector {
  readonly activities: RecordedActivity[] = [];
  readonly created: CreatedConversation[] = [];
  readonly requests: RecordedRequest[] = [];
  members: FakeMember[];
  private seq = 0;
  private failures: { status: number; times: number } | null = null;
  private waiters: { predicate: (a: RecordedActivity) => boolean; resolve: (a: RecordedActivity) => void }[] = [];

  private constructor(
    private readonly server: http.Server,
    members: FakeMember[],
  ) {
    this.members = [...members];
  }

  static async start(opts: { members?: FakeMember[] } = {}): Promise<FakeConnector> {
    const holder: { fake?: FakeConnector } = {};
    const server = http.createServer((req, res) => {
      holder.fake?.handle(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'ServiceError', message: String(err) } }));
      });
    });
    const fake = new FakeConnector(server, opts.members ?? []);
    holder.fake = fake;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** The serviceUrl to put in activities (with the trailing slash Teams uses). */
  get serviceUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/`;
  }

  addMember(member: FakeMember): void {
    this.members.push(member);
  }

  /** Activities sent (POST) to one conversation. */
  sentTo(conversationId: string): RecordedActivity[] {
    return this.activities.filter((a) => a.method === 'POST' && a.conversationId === conversationId);
  }

  /** Resolves with the first recorded activity (past or future) matching `predicate`. */
  waitForActivity(predicate: (a: RecordedActivity) => boolean, timeoutMs = 5_000): Promise<RecordedActivity> {
    const found = this.activities.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = { predicate, resolve: (a: RecordedActivity) => (clearTimeout(timer), resolve(a)) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching activity at the fake connector within ${timeoutMs} ms (got ${this.activities.length})`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** The next `times` activity sends/updates answer `status` (e.g. 429 or 500). */
  failNext(status: number, times = 1): void {
    this.failures = times > 0 ? { status, times } : null;
  }

  clear(): void {
    this.activities.length = 0;
    this.created.length = 0;
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private record(entry: RecordedActivity): void {
    this.activities.push(entry);
    for (const w of [...this.waiters]) {
      if (w.predicate(entry)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(entry);
      }
    }
  }

  private nextId(prefix: string): string {
    this.seq += 1;
    return `${prefix}-${this.seq}`;
  }

  private member(idOrAad: string): FakeMember | undefined {
    return this.members.find((m) => m.id === idOrAad || m.aadObjectId === idOrAad);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const authorization = typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined;
    const method = req.method ?? 'GET';
    this.requests.push(authorization ? { method, path: url.pathname, authorization } : { method, path: url.pathname });
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const body = method === 'POST' || method === 'PUT' ? await readJson(req) : {};
    const send = (status: number, payload?: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    };
    if (parts[0] !== 'v3' || parts[1] !== 'conversations') return send(404, { error: { code: 'NotFound', message: url.pathname } });
    const [, , conversationId, resource, itemId] = parts;
    const auth = authorization ? { authorization } : {};

    if (!conversationId && method === 'POST') {
      const id = this.nextId('a:fake-conversation');
      this.created.push({ id, parameters: body, ...auth });
      const activity = body.activity as SentActivity | undefined;
      if (activity) {
        const activityId = this.nextId('fake-activity');
        this.record({ method: 'POST', conversationId: id, activityId, activity, ...auth });
        return send(201, { id, activityId });
      }
      return send(201, { id });
    }
    if (!conversationId) return send(404, { error: { code: 'NotFound', message: url.pathname } });

    if (resource === 'activities') {
      if (this.failures && this.failures.times > 0 && method !== 'GET') {
        this.failures.times -= 1;
        const status = this.failures.status;
        if (this.failures.times === 0) this.failures = null;
        if (status === 429) res.setHeader('retry-after', '1');
        return send(status, { error: { code: status === 429 ? 'Throttled' : 'ServiceError', message: 'failing as asked' } });
      }
      const activity = body as SentActivity;
      if (method === 'POST') {
        const activityId = this.nextId('fake-activity');
        this.record({ method, conversationId, activityId, ...(itemId ? { replyToId: itemId } : {}), activity, ...auth });
        return send(201, { id: activityId });
      }
      if ((method === 'PUT' || method === 'DELETE') && itemId) {
        this.record({ method, conversationId, activityId: itemId, activity, ...auth });
        return send(200, method === 'PUT' ? { id: itemId } : undefined);
      }
    }

    if (method === 'GET' && resource === 'members') {
      if (!itemId) return send(200, this.members.map(account));
      const member = this.member(itemId);
      if (!member) return send(404, { error: { code: 'MemberNotFoundInConversation', message: 'The member was not found in the conversation.' } });
      return send(200, account(member));
    }
    if (method === 'GET' && resource === 'pagedmembers') return send(200, { members: this.members.map(account) });
    return send(404, { error: { code: 'NotFound', message: `${method} ${url.pathname}` } });
  }
}

/** A member as Teams' connector returns it (TeamsChannelAccount). */
function account(m: FakeMember) {
  const [givenName, ...rest] = m.name.split(' ');
  return {
    id: m.id,
    name: m.name,
    aadObjectId: m.aadObjectId,
    email: m.email,
    userPrincipalName: m.userPrincipalName ?? m.email,
    tenantId: m.tenantId,
    givenName: m.givenName ?? givenName,
    surname: m.surname ?? rest.join(' '),
    userRole: 'user',
  };
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}
