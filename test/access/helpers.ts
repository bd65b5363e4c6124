/** Running interactions as a given caller (an AccessContext), without HTTP. */
import { parseScopes } from '../../src/access/scopes.ts';
import type { AccessContext, Role } from '../../src/access/types.ts';
import { FhirError } from '../../src/fhir/errors.ts';
import { routeOf, splitUrl, type Method } from '../../src/fhir/url.ts';
import { handle } from '../../src/interactions/dispatch.ts';
import type { InteractionContext, Resource } from '../../src/interactions/types.ts';

export interface Answer {
  status: number;
  body?: any;
  message?: string;
}

export function caller(opts: { fhirUser?: string; patient?: string; organization?: string; roles?: Role[]; scope: string; purpose?: string; clearance?: string[]; client?: string }): AccessContext {
  return {
    mode: 'token',
    clientId: opts.client ?? 'test-app',
    fhirUser: opts.fhirUser,
    userName: opts.fhirUser,
    patient: opts.patient,
    organization: opts.organization,
    roles: new Set(opts.roles ?? []),
    scopes: parseScopes(opts.scope).resources,
    purposeOfUse: opts.purpose ?? 'TREAT',
    clearance: new Set(opts.clearance ?? []),
  };
}

/** Runs `METHOD url` (relative to the FHIR base) as `access`; errors become their status and message. */
export async function as(ctx: InteractionContext, access: AccessContext, method: Method, url: string, body?: unknown): Promise<Answer> {
  const { segments, params } = splitUrl(url);
  try {
    const route = routeOf(method, segments, (t) => ctx.defs.isResourceType(t));
    const res = await handle({ ...route, method, params, body, bodyType: 'resource', prefer: {}, baseUrl: 'http://test.local/fhir' }, { ...ctx, access });
    const b = res.body as { raw?: string } | Resource | undefined;
    return { status: res.status, body: b && 'raw' in b && typeof b.raw === 'string' ? JSON.parse(b.raw) : b };
  } catch (err) {
    if (!(err instanceof FhirError)) throw err;
    return { status: err.status, message: err.message };
  }
}

/** The `Type/id` of every entry of a Bundle answer, in order. */
export function ids(answer: Answer): string[] {
  return (answer.body?.entry ?? []).filter((e: any) => e.resource?.id).map((e: any) => `${e.resource.resourceType}/${e.resource.id}`);
}
