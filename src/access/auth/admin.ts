/**
 * The administrators' API (a bearer token whose user or client has the role admin): users and
 * clients, created, listed, deactivated and reactivated, as JSON; hashes are never returned. And
 * POST /auth/launch, by which an EHR (a clinician's or administrator's token) records the patient
 * an app is launched for, answering with the `launch` id to put in the app's launch URL.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AccountError, randomId, type NewClient, type NewUser } from '../accounts/index.ts';
import type { Role } from '../types.ts';
import { bearer } from './caller.ts';
import { LIFETIMES, type AuthDeps } from './deps.ts';
import { OAuthError } from './oauth-error.ts';

type Json = Record<string, unknown>;

function body(req: FastifyRequest): Json {
  if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) throw new OAuthError('invalid_request', 'Send a JSON object (Content-Type: application/json)');
  return req.body as Json;
}

const str = (b: Json, k: string): string | undefined => {
  const v = b[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new AccountError(`${k} must be a string`);
  return v;
};
const strings = (b: Json, k: string): string[] | undefined => {
  const v = b[k];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new AccountError(`${k} must be an array of strings`);
  return v as string[];
};

export function registerAdmin(app: FastifyInstance, deps: AuthDeps): void {
  const admin = (req: FastifyRequest) => bearer(deps, req, ['admin']);
  const param = (req: FastifyRequest, name: string) => (req.params as Record<string, string>)[name];

  app.get('/admin/users', async (req) => {
    await admin(req);
    return { users: await deps.accounts.listUsers() };
  });
  app.post('/admin/users', async (req, reply) => {
    await admin(req);
    const b = body(req);
    const user: NewUser = {
      username: str(b, 'username') ?? '',
      password: str(b, 'password'),
      fhirUser: str(b, 'fhirUser'),
      roles: (strings(b, 'roles') ?? []) as Role[],
      organization: str(b, 'organization'),
      clearance: strings(b, 'clearance'),
      externalSubject: str(b, 'externalSubject'),
    };
    return reply.code(201).send(await deps.accounts.addUser(user));
  });
  const setUser = (active: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    await admin(req);
    const username = param(req, 'username');
    if (!(await deps.accounts.setUserActive(username, active))) throw new AccountError(`No user is called ${username}`, 'not-found');
    const user = await deps.accounts.userByName(username);
    if (user) {
      deps.principals.forgetUser(user.id);
      deps.verifier.forget({ userId: user.id });
    }
    return reply.send({ username: user?.username ?? username, active });
  };
  app.post('/admin/users/:username/deactivate', setUser(false));
  app.post('/admin/users/:username/activate', setUser(true));

  app.get('/admin/clients', async (req) => {
    await admin(req);
    return { clients: await deps.accounts.listClients() };
  });
  app.post('/admin/clients', async (req, reply) => {
    await admin(req);
    const b = body(req);
    const client: NewClient = {
      name: str(b, 'name') ?? '',
      redirectUris: strings(b, 'redirectUris'),
      generateSecret: b.generateSecret === true,
      jwks: b.jwks ?? undefined,
      jwksUrl: str(b, 'jwksUrl'),
      scope: str(b, 'scope') ?? '',
      purposeOfUse: str(b, 'purposeOfUse'),
      clearance: strings(b, 'clearance'),
      roles: strings(b, 'roles') as Role[] | undefined,
    };
    const { client: created, secret } = await deps.accounts.addClient(client);
    return reply.code(201).send({ ...created, ...(secret ? { clientSecret: secret } : {}) });
  });
  const setClient = (active: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    await admin(req);
    const id = param(req, 'id');
    if (!(await deps.accounts.setClientActive(id, active))) throw new AccountError(`No client has the id ${id}`, 'not-found');
    deps.principals.forgetClient(id);
    deps.verifier.forget({ clientId: id });
    return reply.send({ id, active });
  };
  app.post('/admin/clients/:id/deactivate', setClient(false));
  app.post('/admin/clients/:id/activate', setClient(true));

  app.post('/auth/launch', async (req, reply) => {
    const access = await bearer(deps, req, ['admin', 'clinician']);
    const b = body(req);
    const patient = str(b, 'patient');
    if (!patient) throw new AccountError('patient (the id of a Patient) is required');
    if (!(await deps.findPatient(patient))) throw new AccountError(`No patient has the id ${patient}`, 'not-found');
    const clientId = str(b, 'client_id');
    if (clientId !== undefined && !(await deps.principals.client(clientId))) throw new AccountError(`No client has the id ${clientId}`, 'not-found');
    // a clinician's launch is for that clinician; an administrator may name the user, or leave it to whoever signs in
    let userId: string | null = null;
    const named = str(b, 'user');
    if (named !== undefined && access.roles.has('admin')) {
      const user = await deps.accounts.userByName(named);
      if (!user) throw new AccountError(`No user is called ${named}`, 'not-found');
      userId = user.id;
    } else if (!access.roles.has('admin') && access.userName) {
      userId = (await deps.accounts.userByName(access.userName))?.id ?? null;
    }
    const now = deps.now();
    const id = randomId();
    await deps.grants.createLaunch({ id, patient, encounter: str(b, 'encounter') ?? null, clientId: clientId ?? null, userId, created: now, expires: now + LIFETIMES.launch });
    return reply.code(201).header('Cache-Control', 'no-store').send({ launch: id, patient, expires_in: LIFETIMES.launch / 1000 });
  });
}
