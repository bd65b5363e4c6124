/** GET /metadata: a CapabilityStatement generated from what this server really implements. */
import { FHIR_VERSION } from '../fhir/definitions.ts';
import { OPERATIONS } from '../operations/index.ts';
import type { FhirRequest, FhirResponse, InteractionContext, Resource } from './types.ts';

export const SOFTWARE = { name: 'Meridian', version: '0.1.0' };

/**
 * Rendered statements by FHIR base URL, per search engine (one per server: each request has its own
 * context object), made again when the search parameters in force change. Building one lists every
 * parameter of 146 types: about 10 ms, which clients polling /metadata would pay each time.
 */
const cache = new WeakMap<object, { generation: number | undefined; byBase: Map<string, string> }>();

export async function capabilities(req: FhirRequest, ctx: InteractionContext): Promise<FhirResponse> {
  const generation = ctx.search.generation?.();
  let entry = cache.get(ctx.search);
  if (!entry || entry.generation !== generation) cache.set(ctx.search, (entry = { generation, byBase: new Map() }));
  let text = entry.byBase.get(req.baseUrl);
  if (!text) entry.byBase.set(req.baseUrl, (text = JSON.stringify(capabilityStatement(req.baseUrl, ctx))));
  return { status: 200, body: { raw: text } };
}

export function capabilityStatement(baseUrl: string, ctx: InteractionContext): Resource {
  const searchable = ctx.search.search !== undefined;
  const typeInteractions = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', ...(searchable ? ['search-type'] : [])];
  const operations = (level: 'type' | 'instance' | 'system') =>
    OPERATIONS.filter((o) => o[level]).map((o) => ({ name: o.name, definition: o.definition }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    publisher: 'Meridian',
    kind: 'instance',
    software: SOFTWARE,
    implementation: { description: 'Meridian FHIR R4 server', url: baseUrl },
    fhirVersion: FHIR_VERSION,
    format: ['application/fhir+json', 'json', 'application/fhir+xml', 'xml'],
    patchFormat: ['application/json-patch+json', 'application/fhir+json'],
    rest: [
      {
        mode: 'server',
        security: security(baseUrl),
        resource: ctx.defs.resourceTypes.map((type) => ({
          type,
          profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
          // AuditEvents are written by Meridian itself, one per interaction: clients read and search them
          interaction: (type === 'AuditEvent' ? ['read', 'vread', 'search-type'] : typeInteractions).map((code) => ({ code })),
          versioning: 'versioned-update',
          readHistory: true,
          updateCreate: true,
          conditionalCreate: true,
          conditionalRead: 'full-support',
          conditionalUpdate: true,
          conditionalDelete: ctx.config.conditionalDelete,
          referencePolicy: ['literal', 'logical'],
          searchParam: (ctx.search.supportedParameters?.(type) ?? []).map((p) => ({ name: p.name, type: p.type, definition: p.definition, documentation: p.documentation })),
          operation: [...operations('type'), ...operations('instance')].filter((o, i, all) => all.findIndex((x) => x.name === o.name) === i),
        })),
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'history-system' }, ...(searchable ? [{ code: 'search-system' }] : [])],
        operation: operations('system'),
      },
    ],
  };
}

/** SMART on FHIR: how clients get tokens (the same endpoints as /.well-known/smart-configuration). */
function security(baseUrl: string): Record<string, unknown> {
  const root = baseUrl.replace(/\/fhir$/, '');
  return {
    cors: true,
    service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
    description: 'SMART App Launch 2.x and Backend Services: see [base]/.well-known/smart-configuration. Every interaction is audited (AuditEvent).',
    extension: [
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: ['authorize', 'token', 'introspect', 'revoke'].map((name) => ({ url: name, valueUri: `${root}/auth/${name}` })),
      },
    ],
  };
}
