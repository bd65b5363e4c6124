import { availableParallelism, loadavg } from 'node:os';

/** Small helpers for benchmark figures. */

/** The p-th percentile (0–100) of values, nearest-rank. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** 12,345 */
export function int(n: number): string {
  return Math.round(n).toLocaleString('en-GB');
}

/** Milliseconds with a sensible number of decimals. */
export function ms(n: number): string {
  return `${n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : Math.round(n)} ms`;
}

/** Whether a figure meets its target, for the last column of a report. */
export function verdict(ok: boolean): string {
  return ok ? 'meets the target' : 'MISSES the target';
}

/** The machine's 1-minute load average, with a warning when other work competes for the CPUs being measured. */
export function loadNote(): string {
  const [one] = loadavg();
  const cpus = availableParallelism();
  return `load average ${one.toFixed(2)} on ${cpus} CPUs${one > 0.5 ? ' (other work is running: figures will be low)' : ''}`;
}
