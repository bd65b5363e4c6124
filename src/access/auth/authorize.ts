/**
 * GET (or POST) /auth/authorize: checks an app's authorization request and shows the sign-in
 * page. A request from an unknown client or to an unregistered redirect_uri is answered with an
 * error page (never redirected); other mistakes go back to the app as OAuth errors with its state.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken, sha256 } from '../accounts/index.ts';
import { formatScopes, grantScopes, parseScopes, ScopeError, type ParsedScopes } from '../scopes.ts';
import { LIFETIMES, type AuthDeps } from './deps.ts';
import { browserBinding, errorPage, renderLogin } from './flow.ts';
import { formOf, withParams } from './http.ts';
import type { OAuthErrorCode } from './oauth-error.ts';

const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export async function authorize(deps: AuthDeps, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  let params: Map<string, string>;
  try {
    params = formOf(req.method === 'POST' ? req.body : undefined, req.query);
  } catch {
    return errorPage(deps, req, reply, 400, 'This sign-in request is not valid', 'A parameter of the request is repeated.');
  }
  const clientId = params.get('client_id');
  const client = clientId ? await deps.principals.client(clientId) : undefined;
  if (!client?.active) return errorPage(deps, req, reply, 400, 'This app is not known', 'The app is not registered with this server, or has been switched off.');
  const redirectUri = params.get('redirect_uri');
  if (!redirectUri || !client.redirectUris.includes(redirectUri)) {
    return errorPage(deps, req, reply, 400, "This app's address is not registered", 'The app asked to come back to an address it is not registered with, so this server will not send you there.');
  }
  const state = params.get('state');
  const fail = (error: OAuthErrorCode, description: string) =>
    reply.header('Cache-Control', 'no-store').redirect(withParams(redirectUri, { error, error_description: description, state }), 303);

  if (params.get('response_type') !== 'code') return fail('unsupported_response_type', 'response_type must be code');
  if (!state) return fail('invalid_request', 'state is required');
  if (params.get('code_challenge_method') !== 'S256') return fail('invalid_request', 'PKCE is required with code_challenge_method=S256 (plain is not accepted)');
  const challenge = params.get('code_challenge');
  if (!challenge || !CHALLENGE.test(challenge)) return fail('invalid_request', 'code_challenge must be the base64url SHA-256 of the code_verifier (43 characters)');
  const urls = deps.urls(req);
  const aud = params.get('aud')?.replace(/\/+$/, '');
  if (aud !== urls.fhirBase) return fail('invalid_request', `aud must be this server's FHIR base URL, ${urls.fhirBase}`);

  let requested: ParsedScopes;
  try {
    requested = parseScopes(params.get('scope') ?? '');
  } catch (e) {
    if (e instanceof ScopeError) return fail('invalid_scope', e.message);
    throw e;
  }
  // a user's authorization never grants system/ scopes; `launch` means an EHR launch only
  const launchId = params.get('launch');
  const asked: ParsedScopes = {
    resources: requested.resources.filter((s) => s.context !== 'system'),
    other: requested.other.filter((o) => o !== 'launch' || launchId !== undefined),
  };
  const { granted } = grantScopes(asked, parseScopes(client.scope));
  if (granted.resources.length === 0 && !granted.other.includes('openid')) return fail('invalid_scope', 'None of the requested scopes is one this app is allowed');

  let patient: string | null = null;
  if (launchId !== undefined) {
    if (!granted.other.includes('launch')) return fail('invalid_scope', 'An EHR launch needs the launch scope, and this app must be allowed it');
    const launch = await deps.grants.launch(launchId);
    if (!launch || launch.expires <= deps.now() || (launch.clientId !== null && launch.clientId !== client.id)) {
      return fail('invalid_request', 'The launch is unknown, has expired, or is for another app');
    }
    patient = launch.patient;
  }

  const binding = browserBinding(deps, req, reply);
  const now = deps.now();
  const request = {
    id: randomToken(),
    bindingHash: sha256(binding),
    clientId: client.id,
    redirectUri,
    scope: formatScopes(granted),
    state,
    codeChallenge: challenge,
    nonce: params.get('nonce') ?? null,
    launchId: launchId ?? null,
    patient,
    created: now,
    expires: now + LIFETIMES.request,
  };
  await deps.grants.createRequest(request);
  return renderLogin(deps, req, reply, { ...request, status: 'pending', failures: 0 }, client.name);
}
