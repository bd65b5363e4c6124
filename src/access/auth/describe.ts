/** Scopes in plain words, for the sign-in page: what the app is asking to do. */
import { parseScopes } from '../scopes.ts';
import type { ResourceScope } from '../types.ts';

const VERBS: Record<string, string> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };

function words(list: string[]): string {
  return list.length <= 1 ? (list[0] ?? '') : `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
}

function resource(s: ResourceScope): string {
  const verbs = words(['c', 'r', 'u', 'd', 's'].filter((i) => s.interactions.has(i as never)).map((i) => VERBS[i]));
  const what = s.resourceType === '*' ? 'all kinds of records' : `${s.resourceType} records`;
  const whose = s.context === 'patient' ? "of the patient it is used for" : s.context === 'user' ? 'that you can see' : '';
  const where = s.query.length ? ` where ${s.query.map(([n, v]) => `${n} is ${v}`).join(' and ')}` : '';
  return `${verbs.charAt(0).toUpperCase()}${verbs.slice(1)} ${what}${where} ${whose}`.trim();
}

const OTHER: Record<string, string> = {
  openid: 'Know who you are',
  fhirUser: 'Know who you are',
  profile: 'Know who you are',
  offline_access: 'Keep access after you close it, until you sign out of it',
  online_access: 'Keep access while you are using it',
};

export function describeScopes(scope: string): string[] {
  const parsed = parseScopes(scope);
  return [...new Set([...parsed.resources.map(resource), ...parsed.other.flatMap((o) => (OTHER[o] ? [OTHER[o]] : []))])];
}
