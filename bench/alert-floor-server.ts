/**
 * The floor of bench:alertmanager's Tandem phases (phase `floor`): the least
 * an alert intake can do under Tandem's rules, in a process of its own. It
 * takes Alertmanager's webhook (payload version 4) on the path Tandem serves,
 * with the bearer key, and for each alert:
 *
 * 1. records it before anything else (nothing lost): one insert keyed by the
 *    alert's fingerprint and start, which is also the key checked before
 *    paging (a resend finds it and pages nobody);
 * 2. answers 200;
 * 3. pages with one `chat.postMessage` to the fake Slack over kept-alive
 *    connections;
 * 4. records where the page went (one update), so that a copy can be updated
 *    in place and a crash between the page and this write can be detected.
 *
 * Both writes go through a group commit (the writes made while one bulk write
 * is in flight go together in the next), to the same local FerretDB. No
 * routing, on-call, escalation, timeline, audit or queue: what it costs is
 * what any durable intake pays on this machine and store, whatever its code.
 *
 * Run by bench/alertmanager.ts with PORT, MONGODB_URI, SLACK_API_URL,
 * SLACK_BOT_TOKEN and FLOOR_KEY; it sends `ready` over IPC once listening.
 */
import http from 'node:http';
import { MongoBulkWriteError, MongoClient, type AnyBulkWriteOperation } from 'mongodb';

interface FloorAlert {
  _id: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  receivedAt: Date;
  page?: { channel: string; ts: string };
}

const client = new MongoClient(process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/tandem_floor');
const alerts = client.db().collection<FloorAlert>('floor_alerts');
const slack = new URL('chat.postMessage', process.env.SLACK_API_URL);
const slackAuth = `Bearer ${process.env.SLACK_BOT_TOKEN ?? ''}`;
const bearer = `Bearer ${process.env.FLOOR_KEY ?? ''}`;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** Group commit of bulk-write operations: each caller learns whether its own write was refused as a duplicate. */
let pending: { op: AnyBulkWriteOperation<FloorAlert>; done: (written: boolean) => void; fail: (err: unknown) => void }[] = [];
let inFlight = false;
function write(op: AnyBulkWriteOperation<FloorAlert>): Promise<boolean> {
  return new Promise((done, fail) => {
    pending.push({ op, done, fail });
    if (!inFlight) void flush();
  });
}
async function flush(): Promise<void> {
  inFlight = true;
  while (pending.length > 0) {
    const batch = pending;
    pending = [];
    try {
      await alerts.bulkWrite(batch.map((w) => w.op), { ordered: false });
      for (const w of batch) w.done(true);
    } catch (err) {
      const refused = err instanceof MongoBulkWriteError && Array.isArray(err.writeErrors) ? err.writeErrors : [];
      // A cut-off bulk write reports no per-write errors: none of its writes is known to be made.
      if (refused.length === 0) for (const w of batch) w.fail(err);
      else {
        const duplicates = new Set(refused.filter((e) => e.code === 11000).map((e) => e.index));
        batch.forEach((w, i) => (duplicates.has(i) ? w.done(false) : refused.some((e) => e.index === i) ? w.fail(err) : w.done(true)));
      }
    }
  }
  inFlight = false;
}

function page(text: string): Promise<{ channel: string; ts: string }> {
  const body = JSON.stringify({ channel: 'UFLOORONCALL', text });
  return new Promise((resolve, reject) => {
    const req = http.request(slack, { method: 'POST', agent, headers: { authorization: slackAuth, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let answer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (answer += chunk));
      res.on('end', () => {
        const parsed = JSON.parse(answer) as { ok: boolean; channel: string; ts: string; error?: string };
        if (parsed.ok) resolve({ channel: parsed.channel, ts: parsed.ts });
        else reject(new Error(parsed.error));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Webhook {
  alerts: { labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; fingerprint: string }[];
}

async function intake(payload: Webhook): Promise<(() => Promise<void>)[]> {
  const recorded = await Promise.all(
    payload.alerts.map(async (a) => {
      const _id = `${a.fingerprint}|${a.startsAt}`;
      const fresh = await write({ insertOne: { document: { _id, labels: a.labels, annotations: a.annotations, receivedAt: new Date() } } });
      return fresh ? async () => void (await write({ updateOne: { filter: { _id }, update: { $set: { page: await page(a.annotations.summary ?? _id) } } } })) : null;
    }),
  );
  return recorded.filter((p) => p !== null);
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    if (req.headers.authorization !== bearer) return void res.writeHead(401).end();
    let payload: Webhook;
    try {
      payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Webhook;
    } catch {
      return void res.writeHead(400).end();
    }
    intake(payload).then(
      (pages) => {
        res.writeHead(200).end();
        for (const p of pages) p().catch((err: unknown) => process.stderr.write(`floor: page failed: ${String(err)}\n`));
      },
      () => res.writeHead(503).end(),
    );
  });
});

await client.connect();
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.send?.('ready'));
const stop = () => server.close(() => void client.close().then(() => process.exit(0)));
process.on('disconnect', stop);
process.on('SIGTERM', stop);
