/**
 * Slows guessing of passwords. Per account: after 5 failures in a row the account is locked for
 * 15 minutes (recorded in the store, so every process sees it). Per network address: at most 20
 * failures in 15 minutes (in this process). Per authorization request: 10 failures end it.
 */
export const LOGIN_LIMITS = { perAccount: 5, lockMs: 15 * 60_000, perAddress: 20, windowMs: 15 * 60_000, perRequest: 10 };

export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(private readonly now: () => number) {}

  /** Milliseconds until `address` may try again; 0 when it may now. */
  wait(address: string): number {
    const f = this.failures.get(address);
    if (!f) return 0;
    const end = f.since + LOGIN_LIMITS.windowMs;
    if (end <= this.now()) {
      this.failures.delete(address);
      return 0;
    }
    return f.count >= LOGIN_LIMITS.perAddress ? end - this.now() : 0;
  }

  failed(address: string): void {
    const f = this.failures.get(address);
    if (f && f.since + LOGIN_LIMITS.windowMs > this.now()) f.count++;
    else {
      if (this.failures.size >= 10_000) this.failures.delete(this.failures.keys().next().value as string);
      this.failures.set(address, { count: 1, since: this.now() });
    }
  }
}

export function minutes(ms: number): string {
  const m = Math.max(1, Math.ceil(ms / 60_000));
  return `${m} minute${m === 1 ? '' : 's'}`;
}
