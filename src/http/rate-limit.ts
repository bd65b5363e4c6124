/**
 * Per-client rate limits: a token bucket per client id (or network address, before a token is
 * known) refilled at `perSecond` with bursts up to twice that. Buckets idle for a minute are dropped.
 */
import { FhirError } from '../fhir/errors.ts';

interface Bucket {
  tokens: number;
  at: number;
}

const MAX_BUCKETS = 100_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly burst: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.burst = perSecond * 2;
  }

  /** Takes one request from `key`'s bucket; 429 (with how long to wait) when it is empty. */
  take(key: string): void {
    if (this.perSecond <= 0) return;
    const t = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= MAX_BUCKETS) this.sweep(t);
      this.buckets.set(key, (b = { tokens: this.burst, at: t }));
    } else {
      b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
      b.at = t;
    }
    if (b.tokens < 1) {
      const wait = Math.ceil((1 - b.tokens) / this.perSecond);
      throw Object.assign(new FhirError('rate-limited', `Too many requests from this client: at most ${this.perSecond} per second are accepted; retry in ${wait} s`), { retryAfter: wait });
    }
    b.tokens -= 1;
  }

  private sweep(t: number): void {
    for (const [k, b] of this.buckets) if (t - b.at > 60_000) this.buckets.delete(k);
    if (this.buckets.size >= MAX_BUCKETS) this.buckets.clear();
  }
}
