/**
 * Open-loop load generator for the alert benchmarks, in a process of its own
 * (forked with IPC): it gets a plan of POSTs, each with the instant it is due
 * (ms after the start), and sends each when it is due whether or not earlier
 * ones were answered, over a pool of keep-alive connections. A request waiting
 * for a free connection is still timed from when it was due, so a server
 * that falls behind shows as latency, not as a slower sender (no coordinated
 * omission). Times are this machine's epoch ms (`performance.timeOrigin +
 * performance.now()`), comparable with the parent's `Date.now()`.
 *
 * IPC: parent → child one `OpenLoopPlan`; child → parent one `OpenLoopResult`
 * once every request is answered (or failed: status 0), then it waits for
 * the next plan.
 */
import http from 'node:http';

export interface OpenLoopRequest {
  path: string;
  body: string;
  /** When it is due, in ms after the plan's start. */
  dueMs: number;
}

export interface OpenLoopPlan {
  port: number;
  headers: Record<string, string>;
  /** Connections at most (default 64). */
  connections?: number;
  requests: OpenLoopRequest[];
}

export interface OpenLoopResult {
  /** Epoch ms of the plan's start: request i was due at startedAt + requests[i].dueMs. */
  startedAt: number;
  /** Per request: epoch ms of the end of the response (NaN when it failed), HTTP status (0 on a connection error). */
  doneAt: number[];
  status: number[];
  /** Most requests due and not yet answered at once (the sender's view of a backlog). */
  maxOutstanding: number;
  /** When the last request was handed to the connection pool. */
  lastSentAt: number;
}

const now = () => performance.timeOrigin + performance.now();

function run(plan: OpenLoopPlan): Promise<OpenLoopResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.connections ?? 64 });
  const n = plan.requests.length;
  const doneAt = new Array<number>(n).fill(NaN);
  const status = new Array<number>(n).fill(0);
  const settled = new Uint8Array(n);
  const startedAt = now() + 20;
  let next = 0;
  let answered = 0;
  let outstanding = 0;
  let maxOutstanding = 0;
  let lastSentAt = startedAt;
  return new Promise((resolve) => {
    const finish = (i: number, code: number) => {
      if (settled[i]) return;
      settled[i] = 1;
      doneAt[i] = code === 0 ? NaN : now();
      status[i] = code;
      outstanding -= 1;
      answered += 1;
      if (answered === n) {
        agent.destroy();
        resolve({ startedAt, doneAt, status, maxOutstanding, lastSentAt });
      }
    };
    const send = (i: number) => {
      const r = plan.requests[i] as OpenLoopRequest;
      const req = http.request({ host: '127.0.0.1', port: plan.port, method: 'POST', path: r.path, agent, headers: { ...plan.headers, 'content-length': Buffer.byteLength(r.body) } }, (res) => {
        res.resume();
        res.on('end', () => finish(i, res.statusCode ?? 0));
        res.on('error', () => finish(i, 0));
      });
      req.on('error', () => finish(i, 0));
      req.end(r.body);
    };
    const tick = () => {
      const t = now() - startedAt;
      while (next < n && (plan.requests[next] as OpenLoopRequest).dueMs <= t) {
        outstanding += 1;
        send(next);
        next += 1;
      }
      maxOutstanding = Math.max(maxOutstanding, outstanding);
      if (next < n) setTimeout(tick, 1);
      else lastSentAt = now();
    };
    if (n === 0) resolve({ startedAt, doneAt, status, maxOutstanding, lastSentAt });
    else setTimeout(tick, 20);
  });
}

process.on('message', (plan: OpenLoopPlan) => {
  void run(plan).then((result) => process.send?.(result));
});
