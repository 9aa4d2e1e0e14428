/**
 * bench:alerts — KPI samples in over HTTP, breach alerts out to Slack.
 *
 *   npm run bench:alerts                                          # 100 KPIs, 1,000 samples/s, 60 s; alone, then with a 10,000-person fan-out
 *   BENCH_RATE=100 BENCH_SECONDS=10 BENCH_FANOUT_PEOPLE=1000 npm run bench:alerts   # a small run
 *
 * Tandem runs in a process of its own (bench/checkins-tandem.ts) against the
 * fake Slack API in this process. BENCH_KPIS KPIs (100) owned by an on-call
 * team receive BENCH_RATE samples a second in total (1,000), round robin, for
 * BENCH_SECONDS (60), each POSTed to `POST /api/v1/kpis/{key}/samples` by an
 * open-loop load generator in a third process (bench/open-loop.ts;
 * BENCH_BATCH samples of one KPI per request, default 1, the request due when
 * its last sample is). Exactly 1 % of the samples breach: one in each run of
 * 100 consecutive samples (sample g when g % 100 = (37 ⌊g / 100⌋ + 50) % 100,
 * so the breaches move round the KPIs), with a value below the red threshold
 * that is unique to the sample, so that its alert's record and its message can be
 * told apart from every other. The other samples alternate 97 / 103 around
 * the target 100 (no statistical rule fires on them). Each KPI first gets 30
 * such samples as history (not measured), so a breach is judged against a
 * full baseline: it opens a `threshold` (red, critical) and a `sigma3`
 * (exception) alert, which resolve after 3 normal samples. Each KPI allows 100
 * openings in its flapping window so that every breach pages instead of being
 * folded into a flapping alert.
 *
 * Per phase (BENCH_PHASES: `alone`, then `fanout` with a check-in fan-out to
 * BENCH_FANOUT_PEOPLE people, default 10,000, fired as the phase starts):
 * - ingest: HTTP statuses, request latency from when each request was due,
 *   the achieved rate, the most requests outstanding, the backlog of the
 *   detection: the alerts queue's jobs not done (most, and when the last
 *   request was answered), the samples not judged yet when the last request
 *   was answered and how long after it every sample was judged (polled each
 *   second);
 * - per breaching sample: from its request being due to its alert's record
 *   (the first `opened`/`updated` entry with its value on an alert's
 *   timeline, at the instant the detection stamped on it, Tandem's clock
 *   mapped back to this machine's) and to the first chat.postMessage at the
 *   fake Slack that names it ("Bench KPI 042 was 79.958"), whoever it is sent
 *   to (the manager today; the on-call person once escalation routes alerts),
 *   also by the 10 s of the phase in which the sample was due;
 * - for the fan-out: its prompts sent during the phase, and when its last
 *   prompt went out (waiting up to BENCH_FANOUT_WAIT_MS, 300,000, after the
 *   drain for all of them);
 * - Tandem's peak RSS and the load average (and FerretDB's CPU through the
 *   drain when FERRETDB_PID names a FerretDB no one else uses); with
 *   BENCH_BREACHES_OUT, each breach's due instant, record and first DM as a
 *   JSON line appended to that file. Target (issue 12): DM p99 < 250 ms
 *   while the fan-out runs. BENCH_DRAIN_MS (60,000) bounds the wait for late
 *   alerts and messages after the sending ends.
 */
import type { ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import type { OpenLoopPlan, OpenLoopRequest } from './open-loop.js';
import { byWindow, cpuSeconds, envNumber, firstArrivals, httpFigures, latency, messageText, PhaseMeter, progress, promptsBetween, runAlertBench, runOpenLoop, sleep, type BacklogSampler, type BenchStack } from './alert-harness.js';
import { decodeLine } from '../src/store/alerts.codec.js';
import { featureConnection } from '../src/store/databases.js';

const KPIS = envNumber('BENCH_KPIS', 100);
const RATE = envNumber('BENCH_RATE', 1_000);
const SECONDS = envNumber('BENCH_SECONDS', 60);
const BATCH = Math.max(1, envNumber('BENCH_BATCH', 1));
const FANOUT = envNumber('BENCH_FANOUT_PEOPLE', 10_000);
const DRAIN_MS = envNumber('BENCH_DRAIN_MS', 60_000);
/** How long after the fan-out phase's drain to wait for the fan-out's last prompt (its completion time). */
const FANOUT_WAIT_MS = envNumber('BENCH_FANOUT_WAIT_MS', 300_000);
const PHASES = (process.env.BENCH_PHASES ?? 'alone,fanout').split(',').filter((p) => p === 'alone' || (p === 'fanout' && FANOUT > 0));
const HISTORY = 30;
/** One sample in this many breaches (1 %). */
const BREACH_EVERY = 100;
const DM_TARGET_MS = 250;
/** FerretDB's process, when given: its CPU per phase is reported too (only meaningful when no one else uses it). */
const FERRETDB_PID = envNumber('FERRETDB_PID', 0);
const ferretCpu = () => (FERRETDB_PID ? cpuSeconds(FERRETDB_PID) : NaN);
/** When set, a file each breach is appended to as a JSON line: its phase, id, due instant, record and first DM. */
const BREACHES_OUT = process.env.BENCH_BREACHES_OUT;

const pad = (k: number) => String(k).padStart(3, '0');
const kpiKey = (k: number) => `bench-kpi-${pad(k)}`;
/** What a sample is, as Tandem prints it in an alert ("Bench KPI 042 was 79.958"). */
const sampleId = (k: number, value: number) => `${pad(k)}|${Number(value.toFixed(3))}`;
const normal = (n: number) => (n % 2 ? 103 : 97);
/** A breach: below the red threshold (90), unique per KPI and sample index. */
const breach = (n: number) => 80 - n / 1000;

interface Breach {
  id: string;
  request: number;
}

/** Which sample index each KPI is at, and its last instant, across phases; the samples sent so far. */
const nextIndex = new Array<number>(KPIS).fill(HISTORY);
const lastAt = new Array<number>(KPIS).fill(0);
let sent = 0;
/** One breach in each block of 100 consecutive samples, at a position that moves by 37 a block, so every KPI gets its share. */
const breaching = (g: number) => g % BREACH_EVERY === (Math.floor(g / BREACH_EVERY) * 37 + BREACH_EVERY / 2) % BREACH_EVERY;

/** The phase's requests (due times over SECONDS at RATE samples/s) and its breaching samples. */
function plan(tandemStart: number): { requests: OpenLoopRequest[]; breaches: Breach[] } {
  const total = Math.round(RATE * SECONDS);
  const pending = new Map<number, { samples: { at: string; value: number }[]; ids: string[] }>();
  const requests: OpenLoopRequest[] = [];
  const breaches: Breach[] = [];
  for (let g = 0; g < total; g += 1) {
    const k = g % KPIS;
    const n = nextIndex[k]!++;
    const dueMs = (g * 1000) / RATE;
    const at = Math.max(tandemStart + Math.round(dueMs), lastAt[k]! + 1);
    lastAt[k] = at;
    const isBreach = breaching(sent + g);
    const value = isBreach ? breach(n) : normal(n);
    const batch = pending.get(k) ?? { samples: [], ids: [] };
    batch.samples.push({ at: new Date(at).toISOString(), value });
    if (isBreach) batch.ids.push(sampleId(k, value));
    pending.set(k, batch);
    if (batch.samples.length === BATCH || g + KPIS >= total) {
      pending.delete(k);
      for (const id of batch.ids) breaches.push({ id, request: requests.length });
      requests.push({ path: `/api/v1/kpis/${kpiKey(k)}/samples`, body: JSON.stringify(BATCH === 1 ? batch.samples[0] : { samples: batch.samples }), dueMs });
    }
  }
  sent += total;
  return { requests, breaches };
}

async function defineKpis(s: BenchStack): Promise<void> {
  progress(`defining ${KPIS} KPIs with ${HISTORY} samples of history each`);
  const start = Date.now() + s.tandem.clockOffsetMs - (HISTORY + 5) * 1000;
  for (let k = 0; k < KPIS; k += 1) {
    await s.api('POST', '/kpis', {
      key: kpiKey(k),
      name: `Bench KPI ${pad(k)}`,
      direction: 'higher_is_better',
      target: 100,
      thresholds: { amber: 95, red: 90 },
      perspective: 'process',
      ownerTeamId: s.org.team.id,
      cadence: 'PT1H',
      alerts: { flapping: { opens: 100 } },
    });
    const samples = Array.from({ length: HISTORY }, (_, n) => ({ at: new Date(start + n * 1000).toISOString(), value: normal(n) }));
    await s.api('POST', `/kpis/${kpiKey(k)}/samples`, { samples });
    lastAt[k] = start + HISTORY * 1000;
  }
}

/** The alert records' first instant per sample (this machine's clock), from their timelines. */
async function recordedAt(s: BenchStack): Promise<Map<string, number>> {
  const docs = await featureConnection(s.conn, 'alerts')
    .collection<{ kpiKey?: string; timeline: unknown[] }>('alerts')
    .find({ source: 'kpi' }, { projection: { kpiKey: 1, timeline: 1 } })
    .toArray();
  // Lines as the store keeps them (alerts.codec.ts: JSON strings, or objects written before).
  const entries = docs.flatMap((d) => d.timeline.map(decodeLine).filter((t) => t.kind === 'opened' || t.kind === 'updated').map((t) => ({ kpi: d.kpiKey ?? '', value: t.data?.value, at: new Date(t.at).getTime() - s.tandem.clockOffsetMs })));
  return firstArrivals(entries, (e) => (typeof e.value === 'number' && e.kpi.startsWith('bench-kpi-') ? sampleId(Number(e.kpi.slice(-3)), e.value) : null));
}

const WINDOW_S = 10;

/** When the fan-out fired at `firedAt` sent its last prompt (ms after the firing), waiting up to FANOUT_WAIT_MS for all of them. */
async function fanoutCompletion(s: BenchStack, firedAt: number): Promise<{ prompts_sent: number; last_prompt_ms_after_firing: number | string }> {
  const sent = () => promptsBetween(s.fake, FANOUT, firedAt, Infinity);
  const deadline = Date.now() + FANOUT_WAIT_MS;
  while (sent() < FANOUT && Date.now() < deadline) await sleep(1_000);
  const times = s.fake.callsTo('chat.postMessage').filter((c) => c.at >= firedAt && /^D\d{6}$/.test(String(c.args.channel)) && Number(String(c.args.channel).slice(1)) < FANOUT).map((c) => c.at);
  const done = times.length >= FANOUT;
  return { prompts_sent: times.length, last_prompt_ms_after_firing: done ? Math.max(...times) - firedAt : `not all within ${FANOUT_WAIT_MS} ms after the drain` };
}

const SAMPLE_IN_MESSAGE = /Bench KPI (\d{3}) was (\d+(?:\.\d+)?) /;

async function phase(s: BenchStack, name: string, generator: ChildProcess, backlog: BacklogSampler) {
  const { requests, breaches } = plan(Date.now() + s.tandem.clockOffsetMs);
  const openLoop: OpenLoopPlan = { port: Number(new URL(s.tandem.url).port), headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, requests };
  const phaseStart = Date.now();
  const meter = new PhaseMeter(s.tandem.pid);
  const ferretBefore = ferretCpu();
  if (name === 'fanout') await s.tandem.fire(s.fanoutTeams.map((t) => t.id));
  progress(`phase ${name}: ${requests.length} requests over ${SECONDS} s, ${breaches.length} breaching samples`);
  backlog.start();
  const result = await runOpenLoop(generator, openLoop);
  backlog.stop();
  progress(`phase ${name}: every request answered; waiting for the detection and the messages`);
  meter.sent();
  const http = httpFigures(openLoop, result);
  const jobsAtEnd = await backlog.count();
  // The real detection backlog is the samples not judged yet (a KPI's job judges all of them, so later jobs find none).
  const unjudged = () => s.conn.collection('kpi_samples').countDocuments({ judged: false });
  const unjudgedAtEnd = await unjudged();
  const deadline = Date.now() + DRAIN_MS;
  let judgedAllAt: number | null = unjudgedAtEnd === 0 ? Date.now() : null;
  while (judgedAllAt === null && Date.now() < deadline) {
    await sleep(1_000);
    if ((await unjudged()) === 0) judgedAllAt = Date.now();
  }
  const due = (b: Breach) => result.startedAt + (requests[b.request]?.dueMs ?? NaN);
  const messaged = () => firstArrivals(s.fake.callsTo('chat.postMessage'), (c) => {
    const m = SAMPLE_IN_MESSAGE.exec(messageText(c));
    return m ? sampleId(Number(m[1]), Number(m[2])) : null;
  });
  while (Date.now() < deadline && breaches.some((b) => !messaged().has(b.id))) await sleep(250);
  const dms = messaged();
  const records = await recordedAt(s);
  // Each breach's due instant, record and first DM (this machine's epoch ms), for a breakdown joined with marks taken in Tandem.
  if (BREACHES_OUT) appendFileSync(BREACHES_OUT, breaches.map((b) => `${JSON.stringify({ phase: name, id: b.id, due: due(b), rec: records.get(b.id) ?? null, dm: dms.get(b.id) ?? null })}\n`).join(''));
  const fanout = name === 'fanout' ? { people: FANOUT, prompts_sent_during_phase: promptsBetween(s.fake, FANOUT, phaseStart, http.lastDone), ...(await fanoutCompletion(s, phaseStart)) } : null;
  return {
    phase: name,
    offered: { kpis: KPIS, samples_per_s: RATE, seconds: SECONDS, samples_per_request: BATCH, breaching_samples: breaches.length },
    ...(fanout ? { fanout } : {}),
    ingest: {
      ...http,
      lastDone: undefined,
      achieved_samples_per_s: Number(((http.ok * BATCH) / Math.max(0.001, (http.lastDone - result.startedAt) / 1000)).toFixed(1)),
      alerts_queue_max_jobs: backlog.max,
      alerts_queue_jobs_at_last_answer: jobsAtEnd,
      samples_unjudged_at_last_answer: unjudgedAtEnd,
      all_judged_ms_after_last_answer: judgedAllAt === null ? `not within ${DRAIN_MS} ms` : Math.max(0, Math.round(judgedAllAt - http.lastDone)),
    },
    sample_to_alert_record: { ...latency(breaches.map((b) => (records.get(b.id) ?? NaN) - due(b))), missing: breaches.filter((b) => !records.has(b.id)).length },
    sample_to_first_message: { ...latency(breaches.map((b) => (dms.get(b.id) ?? NaN) - due(b))), missing: breaches.filter((b) => !dms.has(b.id)).length },
    // When in the phase the slow ones were due (a fan-out's burst is in its first seconds).
    sample_to_first_message_by_window: byWindow(breaches, WINDOW_S, (b) => due(b) - result.startedAt, (b) => (dms.get(b.id) ?? NaN) - due(b)),
    ...meter.figures('tandem'),
    ...(FERRETDB_PID ? { ferretdb_cpu_s_through_drain: Number((ferretCpu() - ferretBefore).toFixed(1)) } : {}),
  };
}

runAlertBench('alerts', { fanoutPeople: PHASES.includes('fanout') ? FANOUT : 0, ...(process.env.BENCH_SLACK_RATE ? { slack: { rateLimit: { perSecond: envNumber('BENCH_SLACK_RATE', 50), methods: ['chat.postMessage'] } } } : {}) }, async ({ s, generator, backlog }) => {
  await defineKpis(s);
  await backlog.waitEmpty(Date.now() + DRAIN_MS);
  progress('history judged');
  const reports: Awaited<ReturnType<typeof phase>>[] = [];
  for (const name of PHASES) reports.push(await phase(s, name, generator, backlog));
  const withFanout = reports.find((r) => r.phase === 'fanout');
  const verdict = withFanout ? (withFanout.sample_to_first_message.missing === 0 && (withFanout.sample_to_first_message.p99_ms ?? Infinity) < DM_TARGET_MS ? 'PASS' : 'ABOVE TARGET') : 'no fan-out phase: target not judged';
  return { reports, target: `first message p99 < ${DM_TARGET_MS} ms during the fan-out`, verdict };
});
