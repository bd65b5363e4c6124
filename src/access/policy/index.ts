/**
 * Access policy building blocks: Consent, the national data opt-out, confidentiality labels,
 * legitimate relationships, break-glass, and the decision that combines them.
 * See docs/access-policy.md for the rules in plain words.
 */
export { CLIENT_ID_SYSTEM, accessorOf, resolveAccessor, referenceKey, identityReferences, type Accessor, type Identifier } from './accessor.ts';
export { consentDecision, recordConsent, consentInForce, CONSENT_SCOPE_SYSTEM, PRIVACY_SCOPES, type Consent, type ConsentDecision, type ConsentEffect, type AccessQuery, type Provision } from './consent.ts';
export { READ_ACTIONS } from './consent-match.ts';
export { ConsentStore, type ConsentStoreOptions } from './consent-store.ts';
export {
  NATIONAL_DATA_OPT_OUT_POLICY,
  NATIONAL_DATA_OPT_OUT_CATEGORY,
  OPT_OUT_PURPOSES,
  isNationalDataOptOut,
  isOptOutConsent,
  nationalDataOptOut,
  optedOutPatients,
  hasOptedOut,
} from './opt-out.ts';
export { ACT_REASON, isDirectCare, optOutApplies, isEmergency, purposeCovers, purposeAncestors } from './purpose.ts';
export { CONFIDENTIALITY_SYSTEMS, CONFIDENTIALITY_LEVELS, confidentialityOf, clearedFor, labelsAllow, hiddenLabels } from './labels.ts';
export { Relationships, relationshipRules, accessorKey, OPEN_ENCOUNTER, OPEN_EPISODE, ACTIVE_CARE_TEAM, RELATIONSHIP_TYPES, type RelationshipOptions } from './relationship.ts';
export {
  BreakGlass,
  checkReason,
  isClinicianUser,
  DEFAULT_BREAK_GLASS_MS,
  MAX_BREAK_GLASS_MS,
  MIN_REASON_LENGTH,
  MAX_REASON_LENGTH,
  type BreakGlassGrant,
  type BreakGlassOptions,
} from './break-glass.ts';
export { decide, consentVerdict, confinedTo, isPatientThemselves, type Decision, type DecideFacts, type DecideResource, type DenyReason } from './decide.ts';
export { AccessPolicy, createAccessPolicy, type AccessPolicyOptions, type CareSet, type ConsentRefusals } from './policy.ts';
