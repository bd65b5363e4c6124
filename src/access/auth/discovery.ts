/**
 * What the server tells apps about itself: /.well-known/smart-configuration (SMART App Launch 2.x
 * §Conformance), OpenID Connect discovery for its id_tokens, and its public keys at /auth/jwks.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NON_RESOURCE_SCOPES } from '../scopes.ts';
import { ASSERTION_ALGORITHMS } from './assertion.ts';
import type { AuthDeps } from './deps.ts';

export const CAPABILITIES = [
  'launch-ehr',
  'launch-standalone',
  'authorize-post',
  'client-public',
  'client-confidential-symmetric',
  'client-confidential-asymmetric',
  'context-ehr-patient',
  'context-standalone-patient',
  'context-passthrough-banner',
  'permission-offline',
  'permission-online',
  'permission-patient',
  'permission-user',
  'permission-v1',
  'permission-v2',
  'sso-openid-connect',
];

const SCOPES = [...NON_RESOURCE_SCOPES.filter((s) => s !== 'launch/encounter'), 'patient/*.cruds', 'user/*.cruds', 'system/*.cruds', 'patient/*.rs', 'user/*.rs', 'system/*.rs', 'patient/*.read', 'user/*.read', 'system/*.read'];

export function smartConfiguration(deps: AuthDeps, req: FastifyRequest) {
  const u = deps.urls(req);
  return {
    issuer: u.fhirBase,
    jwks_uri: u.jwks,
    authorization_endpoint: u.authorize,
    token_endpoint: u.token,
    introspection_endpoint: u.introspect,
    revocation_endpoint: u.revoke,
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types_supported: ['code'],
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic'],
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    code_challenge_methods_supported: ['S256'],
    scopes_supported: SCOPES,
    capabilities: CAPABILITIES,
  };
}

export function registerDiscovery(app: FastifyInstance, deps: AuthDeps): void {
  const smart = async (req: FastifyRequest, reply: FastifyReply) =>
    reply.header('Access-Control-Allow-Origin', '*').header('Cache-Control', 'public, max-age=3600').send(smartConfiguration(deps, req));
  app.get('/fhir/.well-known/smart-configuration', smart);
  app.get('/.well-known/smart-configuration', smart);
  app.get('/fhir/.well-known/openid-configuration', async (req, reply) => {
    const u = deps.urls(req);
    return reply.header('Access-Control-Allow-Origin', '*').send({
      issuer: u.fhirBase,
      authorization_endpoint: u.authorize,
      token_endpoint: u.token,
      jwks_uri: u.jwks,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [deps.keys.algorithm],
      scopes_supported: ['openid', 'fhirUser', 'profile'],
      claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nonce', 'fhirUser'],
      code_challenge_methods_supported: ['S256'],
    });
  });
  app.get('/auth/jwks', async (_req, reply) =>
    reply.header('Access-Control-Allow-Origin', '*').header('Cache-Control', 'public, max-age=300').header('Content-Type', 'application/jwk-set+json').send(JSON.stringify(deps.keys.publicJwks())),
  );
}
