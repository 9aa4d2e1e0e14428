/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): CPU time (every sample that
 * is not idle), and the top functions and packages by self and inclusive
 * time. With the marks file of bench:slack (BENCH_MARKS), each measured
 * burst is summarised alone, with its CPU ms per command.
 *
 *   npx tsx bench/cpuprofile-summary.ts /tmp/prof/CPU.….cpuprofile [/tmp/prof/marks.jsonl] [top=25]
 *
 * WINDOW_MS=40 cuts each burst to its first 40 ms from the first write: the
 * ack window, where the burst's requests are read, verified and acknowledged.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}
interface Mark {
  kind: string;
  size: number;
  startUs: number;
  /** The first request's write (before it, the load generator connects and calls /healthz on each connection). */
  sentUs?: number;
  endUs: number;
  commands: number;
}

const [file, marksFile, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: tsx bench/cpuprofile-summary.ts <file.cpuprofile> [marks.jsonl] [top]\n');
  process.exit(2);
}
const TOP = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** Where a frame's code lives: a package under node_modules, node's own (node:…), or Tandem's source. */
const packageOf = (url: string): string => {
  if (!url) return '(native)';
  if (url.startsWith('node:')) return 'node';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1] as string;
  const src = /\/(src|bench|test)\/(.*)$/.exec(url);
  return src ? `tandem ${src[1]}/${src[2]}` : url;
};
const frameName = (f: CallFrame): string => {
  const where = f.url ? `${packageOf(f.url).replace(/^tandem /, '')}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'} ${where}`.trim();
};
const IDLE = new Set(['(idle)']);

/** The stack of a sample, leaf first, memoised per node. */
const stacks = new Map<number, ProfileNode[]>();
const stackOf = (id: number): ProfileNode[] => {
  const cached = stacks.get(id);
  if (cached) return cached;
  const out: ProfileNode[] = [];
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) out.push(byId.get(cur) as ProfileNode);
  stacks.set(id, out);
  return out;
};

function summarise(title: string, fromUs: number, toUs: number, commands?: number): void {
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const packages = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < fromUs || t > toUs) continue;
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const stack = stackOf(profile.samples[i] as number);
    const leaf = stack[0] as ProfileNode;
    if (IDLE.has(leaf.callFrame.functionName)) {
      idle += dt;
      continue;
    }
    busy += dt;
    const leafName = frameName(leaf.callFrame);
    self.set(leafName, (self.get(leafName) ?? 0) + dt);
    // A package's time is the time of samples whose leaf runs its code, or native code it called.
    const owner = stack.find((n) => n.callFrame.url)?.callFrame.url ?? '';
    const pkg = leaf.callFrame.url ? packageOf(leaf.callFrame.url) : `${leaf.callFrame.functionName} (in ${packageOf(owner)})`;
    packages.set(pkg, (packages.get(pkg) ?? 0) + dt);
    const seen = new Set<string>();
    for (const n of stack) {
      const name = frameName(n.callFrame);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
    }
  }
  const msOf = (us: number) => (us / 1000).toFixed(1).padStart(8);
  const pct = (us: number) => `${((100 * us) / Math.max(busy, 1)).toFixed(1).padStart(5)} %`;
  const top = (m: Map<string, number>, n = TOP) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => `  ${msOf(us)} ms ${pct(us)}  ${name}`);
  const perCommand = commands ? `, ${(busy / 1000 / commands).toFixed(2)} ms CPU per command (${commands})` : '';
  process.stdout.write(
    [
      `== ${title}: ${((toUs - fromUs) / 1000).toFixed(0)} ms wall, ${(busy / 1000).toFixed(0)} ms CPU (on the main thread), ${(idle / 1000).toFixed(0)} ms idle${perCommand}`,
      'by package (self):',
      ...top(packages, 15),
      'by function (self):',
      ...top(self),
      'by function (inclusive; root and event-loop frames included):',
      ...top(inclusive, TOP + 10),
      '',
    ].join('\n'),
  );
}

if (marksFile) {
  const marks = readFileSync(marksFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Mark);
  const window = Number(process.env.WINDOW_MS ?? 0) * 1000;
  for (const m of marks) {
    const from = m.sentUs ?? m.startUs;
    if (window > 0) summarise(`${m.kind} ${m.size}, the first ${window / 1000} ms from the first write`, from, from + window, m.commands);
    else summarise(`${m.kind} ${m.size}, from the first write`, from, m.endUs, m.commands);
  }
} else {
  summarise('whole profile', profile.startTime, profile.endTime);
}
