/**
 * What one request touched, gathered as it runs so that its AuditEvent can name every patient
 * whose record was read or written and every resource involved.
 */
import { MAX_ENTITIES } from '../audit/codes.ts';

export class Trail {
  readonly patients = new Set<string>();
  readonly entities: string[] = [];
  /** Resources touched beyond MAX_ENTITIES. */
  more = 0;
  /** Set when some access was allowed only by a break-glass grant. */
  breakGlass?: { reason: string };

  touch(reference: string, patients: readonly string[]): void {
    for (const p of patients) this.patients.add(p);
    if (this.entities.length < MAX_ENTITIES) this.entities.push(reference);
    else this.more++;
  }
}
