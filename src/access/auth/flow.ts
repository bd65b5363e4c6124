/**
 * The steps of a browser sign-in shared by the password and OpenID routes: the pending request
 * bound to this browser by a cookie, the patient in context, and the code sent back to the app.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken, sameText, sha256, type PendingRequest, type User } from '../accounts/index.ts';
import { parseScopes } from '../scopes.ts';
import { LIFETIMES, type AuthDeps } from './deps.ts';
import { describeScopes } from './describe.ts';
import { cookie, withParams } from './http.ts';
import { newFamily } from './issue.ts';

export const BINDING_COOKIE = 'meridian_signin';
const BINDING = /^[A-Za-z0-9_-]{43}$/;

export function rootPath(deps: AuthDeps, req: FastifyRequest): string {
  return new URL(deps.urls(req).root).pathname.replace(/\/+$/, '');
}

/** This browser's sign-in secret: the cookie it already has, or a new one set on `reply`. */
export function browserBinding(deps: AuthDeps, req: FastifyRequest, reply: FastifyReply): string {
  const existing = cookie(req, BINDING_COOKIE);
  const value = existing && BINDING.test(existing) ? existing : randomToken();
  const secure = deps.urls(req).root.startsWith('https:') ? '; Secure' : '';
  reply.header('Set-Cookie', `${BINDING_COOKIE}=${value}; Path=${rootPath(deps, req) || ''}/auth; HttpOnly; SameSite=Lax; Max-Age=3600${secure}`);
  return value;
}

export function errorPage(deps: AuthDeps, req: FastifyRequest, reply: FastifyReply, status: number, title: string, message: string): FastifyReply {
  return deps.pages.send(reply, status, 'error.njk', { title, message }, { rootPath: rootPath(deps, req) });
}

const EXPIRED = 'This sign-in has expired or has already been used';

/**
 * The pending request `id` in the state `status`, if this browser started it; otherwise answers
 * with an error page and returns undefined.
 */
export async function pendingRequest(
  deps: AuthDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  id: string | undefined,
  status: PendingRequest['status'],
): Promise<PendingRequest | undefined> {
  const request = id ? await deps.grants.request(id) : undefined;
  const binding = cookie(req, BINDING_COOKIE);
  if (!request || !binding || !sameText(sha256(binding), request.bindingHash)) {
    errorPage(deps, req, reply, 400, 'This sign-in cannot continue', 'This page was not opened from this browser, or the sign-in is not known. For your safety it cannot continue.');
    return undefined;
  }
  if (request.status !== status || request.expires <= deps.now()) {
    errorPage(deps, req, reply, 400, EXPIRED, 'Sign-in pages are valid for 10 minutes and can be used once.');
    return undefined;
  }
  return request;
}

export function renderLogin(deps: AuthDeps, req: FastifyRequest, reply: FastifyReply, request: PendingRequest, clientName: string, extra: { error?: string; username?: string } = {}): FastifyReply {
  return deps.pages.send(
    reply,
    extra.error ? 400 : 200,
    'login.njk',
    { title: 'Sign in', requestId: request.id, clientName, access: describeScopes(request.scope), oidcName: deps.oidc?.name, ...extra },
    { rootPath: rootPath(deps, req), formTargets: [request.redirectUri] },
  );
}

export function renderPatientPicker(deps: AuthDeps, req: FastifyRequest, reply: FastifyReply, request: PendingRequest, clientName: string, extra: { error?: string; patient?: string } = {}): FastifyReply {
  return deps.pages.send(reply, extra.error ? 400 : 200, 'patient.njk', { title: 'Choose a patient', requestId: request.id, clientName, ...extra }, {
    rootPath: rootPath(deps, req),
    formTargets: [request.redirectUri],
  });
}

/** After the user is known: settle the patient in context (or ask for one), then send the app its code. */
export async function afterSignIn(deps: AuthDeps, req: FastifyRequest, reply: FastifyReply, request: PendingRequest, user: User, clientName: string): Promise<FastifyReply> {
  const own = user.fhirUser?.startsWith('Patient/') ? user.fhirUser.slice('Patient/'.length) : undefined;
  const scopes = parseScopes(request.scope);
  if (request.launchId) {
    const launch = await deps.grants.launch(request.launchId);
    if (!launch || launch.expires <= deps.now()) return errorPage(deps, req, reply, 400, 'This launch has expired', 'Launch the app again from your clinical system.');
    if (launch.userId && launch.userId !== user.id) return errorPage(deps, req, reply, 403, 'This launch is for another user', 'The app was launched for a different user. Sign in as that user, or launch it again.');
    if (own !== undefined && launch.patient !== own) return errorPage(deps, req, reply, 403, "This launch is for another patient's record", 'You can only use apps with your own record.');
    return complete(deps, req, reply, request, launch.patient);
  }
  if (own !== undefined) return complete(deps, req, reply, request, own);
  if (scopes.other.includes('launch/patient')) return renderPatientPicker(deps, req, reply, request, clientName);
  return complete(deps, req, reply, request, null);
}

/** Marks the request done (once) and redirects the browser to the app with a fresh code. */
export async function complete(deps: AuthDeps, req: FastifyRequest, reply: FastifyReply, request: PendingRequest, patient: string | null): Promise<FastifyReply> {
  const done = await deps.grants.finished(request.id, patient);
  if (!done || !done.userId) return errorPage(deps, req, reply, 400, EXPIRED, 'Sign-in pages are valid for 10 minutes and can be used once.');
  const code = randomToken();
  const now = deps.now();
  await deps.grants.createCode({
    codeHash: sha256(code),
    clientId: done.clientId,
    redirectUri: done.redirectUri,
    codeChallenge: done.codeChallenge,
    userId: done.userId,
    scope: done.scope,
    patient,
    nonce: done.nonce,
    familyId: newFamily(),
    created: now,
    expires: now + LIFETIMES.code,
  });
  return reply.header('Cache-Control', 'no-store').redirect(withParams(done.redirectUri, { code, state: done.state }), 303);
}
