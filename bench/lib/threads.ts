/**
 * A server's CPU time by thread, from /proc (Linux; empty elsewhere): steadier than throughput for
 * comparing two versions on a shared machine, and it says which thread (the event loop, the SQLite
 * writer, readers, GC helpers) the time went to.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** CPU milliseconds of each thread of a process, keyed `main` for the process's own thread, else `name tid`. */
export function threadCpu(pid: number | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (pid === undefined) return out;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (100 per second)
      out.set(tid === String(pid) ? 'main' : `${name} ${tid}`, ticks * 10);
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** The CPU milliseconds each thread spent between two readings. */
export function cpuSince(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) out.set(k, v - (before.get(k) ?? 0));
  return out;
}

/** All threads' CPU milliseconds together. */
export function totalCpu(cpu: Map<string, number>): number {
  let n = 0;
  for (const v of cpu.values()) n += v;
  return n;
}

/**
 * "main 277.9 µs (66% busy), node 15402 230.9 µs (55% busy), other threads 86.0 µs (21% busy)": the
 * main thread, the busiest others and the rest together, per unit of work (`count` of them in `seconds`).
 */
export function describeCpu(cpu: Map<string, number>, count: number, seconds: number): string {
  const threads = [...cpu].filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
  const all = threads.reduce((n, [, v]) => n + v, 0);
  // the main thread always, and up to three others that took a tenth of the time or more
  const top = threads.filter(([name, v], i) => name === 'main' || (i < 4 && v >= all / 10));
  const rest = threads.filter((t) => !top.includes(t)).reduce((n, [, v]) => n + v, 0);
  const us = (v: number) => `${((v * 1000) / count).toFixed(1)} µs`;
  const busy = (v: number) => `${Math.round(v / 10 / seconds)}% busy`;
  return `${top.map(([name, v]) => `${name} ${us(v)} (${busy(v)})`).join(', ')}, other threads ${us(rest)} (${busy(rest)})`;
}
