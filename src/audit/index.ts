/**
 * Audit: an AuditEvent for every interaction (IHE Basic Audit Log Patterns), stored in
 * append-only tables of their own, searched by patient, agent, date and type, and shown to
 * patients in plain words ($access-log). See docs/audit.md.
 */
export type { AuditInput, AuditLog, AuditLogOptions } from './types.ts';
export { createAuditLog } from './log.ts';
export { buildAuditEvent } from './build.ts';
export { readAuditEvent, searchAuditEvents, findAuditEvents, type AuditReadContext } from './search.ts';
export { accessLog } from './access-log.ts';
export { auditEventInteraction } from './interaction.ts';
export { summarise, type AccessSummary } from './plain-words.ts';
export { EXTENSION as AUDIT_EXTENSIONS, SYSTEM as AUDIT_SYSTEMS } from './codes.ts';
