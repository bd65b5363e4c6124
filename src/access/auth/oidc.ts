/**
 * GET /auth/oidc/start and /auth/oidc/callback: signing in through the external OpenID Connect
 * provider, then on with the same SMART authorization. The provider's user is matched to the
 * Meridian user whose external subject equals the configured claim.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken, sha256 } from '../accounts/index.ts';
import type { AuthDeps } from './deps.ts';
import { afterSignIn, errorPage, pendingRequest, renderLogin } from './flow.ts';
import { OidcError } from './oidc-client.ts';

const query = (req: FastifyRequest, name: string): string | undefined => {
  const v = (req.query as Record<string, unknown>)[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

export async function oidcStart(deps: AuthDeps, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const oidc = deps.oidc;
  if (!oidc) return errorPage(deps, req, reply, 404, 'Page not found', 'This server does not use an external sign-in provider.');
  const request = await pendingRequest(deps, req, reply, query(req, 'request'), 'pending');
  if (!request) return reply;
  const state = randomToken();
  const nonce = randomToken();
  const verifier = randomToken();
  if (!(await deps.grants.oidcStarted(request.id, sha256(state), nonce, verifier))) {
    return errorPage(deps, req, reply, 400, 'This sign-in has expired or has already been used', 'Go back to the app and start again.');
  }
  try {
    const target = await oidc.authorizationUrl({ state, nonce, verifier, redirectUri: deps.urls(req).oidcCallback });
    return reply.header('Cache-Control', 'no-store').redirect(target, 303);
  } catch (err) {
    if (err instanceof OidcError) return errorPage(deps, req, reply, 502, 'Sign-in is not available', err.message);
    throw err;
  }
}

export async function oidcCallback(deps: AuthDeps, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const oidc = deps.oidc;
  const state = query(req, 'state');
  const found = oidc && state ? await deps.grants.requestByOidcState(sha256(state)) : undefined;
  if (!oidc || !found) return errorPage(deps, req, reply, 400, 'This sign-in cannot continue', 'The sign-in is not known, or was already used.');
  const request = await pendingRequest(deps, req, reply, found.id, 'pending');
  if (!request) return reply;
  const client = await deps.principals.client(request.clientId);
  if (!client?.active) return errorPage(deps, req, reply, 400, 'This app is not known', 'The app has been switched off.');
  const code = query(req, 'code');
  if (!code || !request.oidcNonce || !request.oidcVerifier) {
    return renderLogin(deps, req, reply, request, client.name, { error: `The sign-in with ${oidc.name} did not complete. Try again, or use your Meridian username and password` });
  }
  let subject: string;
  try {
    subject = await oidc.userOf({ code, verifier: request.oidcVerifier, redirectUri: deps.urls(req).oidcCallback, nonce: request.oidcNonce });
  } catch (err) {
    if (err instanceof OidcError) return renderLogin(deps, req, reply, request, client.name, { error: err.message });
    throw err;
  }
  const user = await deps.accounts.userBySubject(subject);
  if (!user?.active) {
    return renderLogin(deps, req, reply, request, client.name, { error: `Your ${oidc.name} account is not linked to an active Meridian user. Ask an administrator to link it` });
  }
  const signedIn = await deps.grants.signedIn(request.id, user.id);
  if (!signedIn) return errorPage(deps, req, reply, 400, 'This sign-in has expired or has already been used', 'Go back to the app and start again.');
  return afterSignIn(deps, req, reply, signedIn, user, client.name);
}
