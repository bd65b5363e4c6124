/**
 * The FHIR interactions on AuditEvent: read, vread and search (type level, and in a Patient's
 * compartment). Everything else — create, update, patch, delete, history — is refused with 405:
 * AuditEvents are written by the server alone and never change.
 */
import { FhirError } from '../fhir/errors.ts';
import type { Db, FhirRequest, FhirResponse } from '../interactions/types.ts';
import { readAuditEvent, searchAuditEvents, type AuditReadContext } from './search.ts';

export async function auditEventInteraction(req: FhirRequest, ctx: AuditReadContext, db: Db): Promise<FhirResponse> {
  switch (req.interaction) {
    case 'read':
    case 'vread':
      return readAuditEvent(req, ctx, db);
    case 'search-type':
      return searchAuditEvents(req, ctx, db);
    case 'search-compartment':
      if (req.compartment !== 'Patient' || req.id === undefined) throw new FhirError('incorrect', 'AuditEvents are searched in the Patient compartment only');
      return searchAuditEvents({ ...req, params: [['patient', req.id], ...req.params] }, ctx, db);
    default:
      throw new FhirError('not-allowed', `AuditEvents are recorded by the server and never change: the ${req.interaction} interaction is not allowed on them`);
  }
}
