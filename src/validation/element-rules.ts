/**
 * Rules on single values that the R4 data types pages state and the element definitions do not
 * carry (https://hl7.org/fhir/R4/datatypes.html): uris (`urn:uuid:` and `urn:oid:` well
 * formed, canonicals absolute or local, the URL that identifies a canonical resource absolute);
 * Identifier and Coding systems absolute (a Coding's system a code system, not a value set);
 * an Identifier with system `urn:ietf:rfc:3986` holding a URI; an Attachment's size matching
 * its data; and, when asked, strings free of embedded HTML tags. Each returns the problem, or
 * undefined; the profile walker reports it where the value is.
 */

type Json = Record<string, unknown>;

export interface Problem {
  severity: 'error' | 'warning' | 'information';
  code: string;
  message: string;
  /** Appended to the value's location (`.system`), when the problem is in a part of it. */
  at?: string;
}

const ABSOLUTE = /^[a-z][a-z0-9+.-]*:/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OID = /^[0-2](\.(0|[1-9][0-9]*))+$/;
/** Something that looks like an HTML start tag: `<name>` or `<name attributes>`. */
const HTML_TAG = /<[A-Za-z][A-Za-z0-9_]*(?:\s[^<>]*)?>/;
export const URI_TYPES: ReadonlySet<string> = new Set(['uri', 'url', 'canonical', 'oid', 'uuid']);

/**
 * A uri-typed value (uri, url, canonical, oid, uuid). `defining`: the URL that identifies a
 * canonical resource (`ValueSet.url`); `contained`: that resource is contained in another.
 */
export function uriProblem(value: string, type: string, defining: boolean, contained: boolean): Problem | undefined {
  if (value.startsWith('oid:') || value.startsWith('uuid:')) return { severity: 'error', code: 'invalid', message: `'${value}' must start with urn:${value.slice(0, value.indexOf(':'))}: to be a URI` };
  if (value.startsWith('urn:uuid:')) {
    let uuid = value.slice(9);
    if (uuid.includes('#')) uuid = uuid.slice(0, uuid.indexOf('#'));
    if (type === 'canonical' && uuid.includes('|')) uuid = uuid.slice(0, uuid.lastIndexOf('|'));
    if (!UUID.test(uuid)) return { severity: 'error', code: 'invalid', message: `'${uuid}' in '${value}' is not a valid UUID (RFC 4122, written in lower case)` };
  } else if (value.startsWith('urn:oid:')) {
    let oid = value.slice(8);
    if (type === 'canonical' && oid.includes('|')) oid = oid.slice(0, oid.indexOf('|'));
    if (!OID.test(oid)) return { severity: 'error', code: 'invalid', message: `'${oid}' in '${value}' is not a valid OID` };
  }
  if (defining && !ABSOLUTE.test(value)) {
    return {
      severity: 'error',
      code: 'invalid',
      message: contained ? `The canonical URL of a contained resource must be absolute when present (found '${value}')` : `The canonical URL that identifies this resource must be absolute (found '${value}')`,
    };
  }
  if (type === 'canonical' && !defining && !value.startsWith('#') && !ABSOLUTE.test(value)) {
    // HL7 now requires absolute canonicals; R4's own examples still use relative ones ('Library/x'), so a warning
    return { severity: 'warning', code: 'invalid', message: `A canonical reference should be an absolute URL, or a local reference (#id) to a contained resource (found '${value}')` };
  }
  return undefined;
}

/** Identifier: a system that is a URI (http, https, urn, ldap), and a URI value when the system says so. */
export function identifierProblem(identifier: Json): Problem | undefined {
  const system = identifier.system;
  if (typeof system === 'string' && !/^(https?|urn|ldap):/.test(system)) {
    return { severity: 'error', code: 'invalid', message: `Identifier.system must be an absolute URI (http:, https: or urn:), not '${system}'`, at: '.system' };
  }
  if (system === 'urn:ietf:rfc:3986' && typeof identifier.value === 'string' && !ABSOLUTE.test(identifier.value)) {
    return { severity: 'error', code: 'invalid', message: `With the system urn:ietf:rfc:3986 the value must be a URI (with a scheme), not '${identifier.value}'`, at: '.value' };
  }
  return undefined;
}

/** A Coding's (or Quantity's) system: an absolute URI; `isValueSet`: it is the URL of a known ValueSet and of no known CodeSystem. */
export function codingSystemProblem(system: string, isValueSet: boolean): Problem | undefined {
  if (!/^(https?|urn):/.test(system)) return { severity: 'error', code: 'code-invalid', message: `A coding system must be an absolute URI (http:, https: or urn:), not '${system}'`, at: '.system' };
  if (isValueSet) return { severity: 'error', code: 'code-invalid', message: `The coding system '${system}' is a value set, not a code system`, at: '.system' };
  return undefined;
}

/** The length of base64 `data` once decoded; undefined when it is not base64. */
function decodedLength(data: string): number | undefined {
  const s = data.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return undefined;
  const padding = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return (s.length / 4) * 3 - padding;
}

/** Attachment: when both are given, `size` is the number of bytes of `data`. */
export function attachmentProblem(attachment: Json): Problem | undefined {
  const { data, size } = attachment;
  if (typeof data !== 'string' || typeof size !== 'number') return undefined;
  const length = decodedLength(data);
  if (length === undefined || length === size) return undefined;
  return { severity: 'error', code: 'invalid', message: `The stated size ${size} is not the size of the attachment's data (${length} bytes)`, at: '.size' };
}

/** A string that looks like it embeds HTML (a script-injection risk when shown). */
export function htmlTagProblem(value: string, severity: 'error' | 'warning' | 'information', markdown: boolean): Problem | undefined {
  const m = HTML_TAG.exec(value);
  if (m === null) return undefined;
  return {
    severity,
    code: 'invalid',
    message: markdown
      ? `The markdown contains what looks like an HTML tag ('${m[0].slice(0, 40)}'); presentation layers should escape it, so check it is meant`
      : `The string contains what looks like an HTML tag ('${m[0].slice(0, 40)}'), which is not allowed for security reasons`,
  };
}
