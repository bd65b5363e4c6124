/** Summarises a V8 CPU profile (.cpuprofile from --cpu-prof): where the time went, by function and by part. */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Milliseconds of samples counted. */
  total: number;
  functions: { name: string; ms: number; share: number }[];
  parts: { name: string; ms: number; share: number }[];
}

/** Which part of the program a script belongs to: a package, a src/ folder, Node itself. */
function partOf(url: string, name: string): string {
  if (!url) return name === '(garbage collector)' || name === '(idle)' || name === '(program)' ? name : `(native) ${name}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const src = /\/(src|bench|test)\/([^/]+)/.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  if (url.startsWith('node:')) return url.replace(/^node:/, 'node:').split('/').slice(0, 2).join('/');
  return url;
}

/**
 * Counts only samples taken in the measured run when told where it was: `lastSeconds` seconds
 * that ended `endedBefore` seconds before the profile did (0 when it ran to the end).
 */
export function summarizeProfile(file: string, opts: { lastSeconds?: number; endedBefore?: number; top?: number } = {}): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const times: number[] = [];
  let t = profile.startTime;
  for (const d of profile.timeDeltas) times.push((t += d));
  const to = profile.endTime - (opts.endedBefore ?? 0) * 1e6;
  const from = opts.lastSeconds === undefined ? -Infinity : to - opts.lastSeconds * 1e6;
  const self = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    if (times[i] < from || times[i] > to) continue;
    const dt = Math.min(times[i + 1] ?? profile.endTime, to) - times[i];
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
    total += dt;
  }
  const fn = new Map<string, number>();
  const part = new Map<string, number>();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const short = url.replace(/^file:\/\/.*?\/(node_modules|src|bench|test)\//, '$1/');
    const name = `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
    fn.set(name, (fn.get(name) ?? 0) + us);
    const p = partOf(url, functionName);
    part.set(p, (part.get(p) ?? 0) + us);
  }
  const rank = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, opts.top ?? 15).map(([name, us]) => ({ name, ms: us / 1000, share: us / total }));
  return { total: total / 1000, functions: rank(fn), parts: rank(part) };
}

export function printProfile(title: string, s: ProfileSummary): void {
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)}%`;
  console.log(`\n${title}: ${Math.round(s.total)} ms of samples`);
  console.log('  by part:');
  for (const p of s.parts) console.log(`    ${pct(p.share)}  ${p.name}`);
  console.log('  by function (self time):');
  for (const f of s.functions) console.log(`    ${pct(f.share)}  ${f.name}`);
}
