/**
 * POST /auth/login (a username and password, or cancel) and POST /auth/patient (a clinician
 * choosing the patient for `launch/patient`). Both carry the pending request id, usable only from
 * the browser that started it and only once; failed sign-ins are throttled (see throttle.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { burnSecretCheck, verifySecret } from '../accounts/index.ts';
import type { AuthDeps } from './deps.ts';
import { afterSignIn, complete, errorPage, pendingRequest, renderLogin, renderPatientPicker } from './flow.ts';
import { formOf, withParams } from './http.ts';
import { LOGIN_LIMITS, minutes } from './throttle.ts';

const WRONG = 'Enter a correct username and password';

function fields(req: FastifyRequest): Map<string, string> {
  try {
    return formOf(req.body);
  } catch {
    return new Map();
  }
}

export async function login(deps: AuthDeps, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const form = fields(req);
  const request = await pendingRequest(deps, req, reply, form.get('request'), 'pending');
  if (!request) return reply;
  const client = await deps.principals.client(request.clientId);
  if (!client?.active) return errorPage(deps, req, reply, 400, 'This app is not known', 'The app has been switched off.');

  if (form.get('action') === 'cancel') {
    await deps.grants.cancelRequest(request.id);
    return reply.redirect(withParams(request.redirectUri, { error: 'access_denied', error_description: 'The user cancelled the sign-in', state: request.state }), 303);
  }

  const username = (form.get('username') ?? '').trim();
  const password = form.get('password') ?? '';
  const address = req.ip;
  const again = (error: string) => renderLogin(deps, req, reply, request, client.name, { error, username });
  if (!username || !password) return again('Enter your username and password');

  const wait = deps.throttle.wait(address);
  if (wait > 0) return again(`Too many failed sign-in attempts. Try again in ${minutes(wait)}`);
  const user = await deps.accounts.userByName(username);
  if (user && user.lockedUntil > deps.now()) return again(`Too many failed sign-in attempts. Try again in ${minutes(user.lockedUntil - deps.now())}`);

  const ok = user?.passwordHash ? await verifySecret(password, user.passwordHash) : (await burnSecretCheck(password), false);
  if (!ok || !user?.active) {
    deps.throttle.failed(address);
    if (user) await deps.accounts.loginFailed(user.id, LOGIN_LIMITS.perAccount, LOGIN_LIMITS.lockMs);
    if ((await deps.grants.requestFailed(request.id)) >= LOGIN_LIMITS.perRequest) {
      await deps.grants.cancelRequest(request.id);
      return errorPage(deps, req, reply, 400, 'Too many failed sign-in attempts', 'For your safety this sign-in has ended.');
    }
    return again(WRONG);
  }
  await deps.accounts.loginSucceeded(user);
  const signedIn = await deps.grants.signedIn(request.id, user.id);
  if (!signedIn) return errorPage(deps, req, reply, 400, 'This sign-in has expired or has already been used', 'Sign-in pages are valid for 10 minutes and can be used once.');
  return afterSignIn(deps, req, reply, signedIn, user, client.name);
}

export async function choosePatient(deps: AuthDeps, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const form = fields(req);
  const request = await pendingRequest(deps, req, reply, form.get('request'), 'authenticated');
  if (!request) return reply;
  const client = await deps.principals.client(request.clientId);
  const user = request.userId ? await deps.principals.user(request.userId) : undefined;
  if (!client?.active || !user?.active) return errorPage(deps, req, reply, 400, 'This sign-in cannot continue', 'The app or your account has been switched off.');
  if (user.fhirUser?.startsWith('Patient/')) return errorPage(deps, req, reply, 403, 'You cannot choose a patient', 'Only clinicians choose the patient an app is used for.');
  const text = (form.get('patient') ?? '').trim();
  if (!text) return renderPatientPicker(deps, req, reply, request, client.name, { error: "Enter the patient's NHS number or patient id" });
  const nhs = text.replace(/\s+/g, '');
  const patient = /^\d{10}$/.test(nhs) || /^[A-Za-z0-9\-.]{1,64}$/.test(text) ? await deps.findPatient(text) : undefined;
  if (!patient) return renderPatientPicker(deps, req, reply, request, client.name, { error: 'No patient has this NHS number or id', patient: text });
  return complete(deps, req, reply, request, patient);
}
