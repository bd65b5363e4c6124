/**
 * Who is asking, and with what rights. Built once per request from the bearer token (or the
 * `--dev` open context) and carried by every FhirRequest, including Bundle entries.
 */

/** SMART scope context: `patient/…`, `user/…` or `system/…`. */
export type ScopeContext = 'patient' | 'user' | 'system';

/** SMART v2 interactions: create, read, update, delete, search. */
export type ScopeInteraction = 'c' | 'r' | 'u' | 'd' | 's';

/** One resource scope, e.g. `patient/Observation.rs?category=laboratory`. */
export interface ResourceScope {
  context: ScopeContext;
  /** A resource type, or '*'. */
  resourceType: string;
  interactions: ReadonlySet<ScopeInteraction>;
  /** Query restriction (SMART v2 `?param=value`), as search parameters; empty when none. */
  query: readonly [string, string][];
  /** The scope as written. */
  text: string;
}

/** Roles a user or client holds in Meridian. */
export type Role = 'admin' | 'clinician' | 'patient';

export interface AccessContext {
  /**
   * 'open': `--dev` without a token — no rule is enforced (the server says so loudly at start),
   * but every access is still audited. 'token': a verified access token; every rule applies.
   */
  mode: 'open' | 'token';
  /** The client (application) the token was issued to. */
  clientId: string;
  clientName?: string;
  /** The person behind the request, as a FHIR reference: 'Practitioner/1', 'PractitionerRole/2' or 'Patient/3'; absent for backend services. */
  fhirUser?: string;
  /** The Meridian user name, for audit. */
  userName?: string;
  /** The patient in context (SMART `launch/patient`, or a patient's own login): the id of a Patient. */
  patient?: string;
  /** The organisation the user acts for (from their PractitionerRole), as an Organization id. */
  organization?: string;
  roles: ReadonlySet<Role>;
  /** Resource scopes granted by the token (`openid`, `fhirUser`, `launch…`, `offline_access` are not resource scopes and are not listed). */
  scopes: readonly ResourceScope[];
  /**
   * Purpose of use (HL7 v3 ActReason): TREAT for direct care (the default), ETREAT under
   * break-glass, HRESCH research, HOPERAT operations/planning, PUBHLTH public health …
   * Declared per client; anything but direct care excludes patients with a national data opt-out.
   */
  purposeOfUse: string;
  /** Confidentiality labels (v3 Confidentiality codes such as 'R', 'V') this accessor may see; N, L, M and U are always visible. */
  clearance: ReadonlySet<string>;
  /** Token id (jti), for audit and revocation. */
  tokenId?: string;
  /** The network address the request came from. */
  address?: string;
}

/** The context of `--dev` open mode (and of in-process tools that run as the operator). */
export function openAccess(address?: string): AccessContext {
  return {
    mode: 'open',
    clientId: 'meridian-dev',
    clientName: 'Development mode (no authentication)',
    roles: new Set<Role>(['admin']),
    scopes: [],
    purposeOfUse: 'TREAT',
    clearance: new Set(['R', 'V']),
    address,
  };
}
