/**
 * The authorization server's routes, in two encapsulated Fastify plugins: the JSON endpoints
 * (token, introspection, revocation, administration) answer errors in OAuth's JSON format; the
 * browser pages (authorize, sign-in, patient choice, external sign-in) answer with an error page.
 * Each parses only the bodies it takes (forms; JSON for the admin API), up to 64 KB.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FhirError } from '../../fhir/errors.ts';
import { AccountError } from '../accounts/index.ts';
import { registerAdmin } from './admin.ts';
import { authorize } from './authorize.ts';
import type { AuthDeps } from './deps.ts';
import { registerDiscovery } from './discovery.ts';
import { errorPage } from './flow.ts';
import { introspect, revoke } from './introspect.ts';
import { choosePatient, login } from './login.ts';
import { OAuthError, sendOAuthError } from './oauth-error.ts';
import { oidcCallback, oidcStart } from './oidc.ts';
import { registerAssets } from './pages.ts';
import { tokenEndpoint } from './token-endpoint.ts';

const BODY_LIMIT = 64 * 1024;

function parsers(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
  scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    try {
      done(null, (body as string).trim() === '' ? undefined : (JSON.parse(body as string) as unknown));
    } catch {
      done(new OAuthError('invalid_request', 'The body is not valid JSON'), undefined);
    }
  });
}

/** Any error as an OAuth error; faults are logged (without the request) and told apart from mistakes. */
function toOAuthError(err: unknown, req: FastifyRequest): OAuthError {
  if (err instanceof OAuthError) return err;
  if (err instanceof FhirError && err.category === 'unauthorized') return new OAuthError('invalid_token', err.message);
  if (err instanceof AccountError) return new OAuthError('invalid_request', err.message, err.kind === 'conflict' ? 409 : err.kind === 'not-found' ? 404 : 400);
  const status = (err as { statusCode?: number }).statusCode;
  if (status && status >= 400 && status < 500) return new OAuthError('invalid_request', (err as Error).message, status);
  req.log.error({ err }, 'authorization server request failed');
  return new OAuthError('server_error', 'An internal error occurred; see the server log');
}

export function registerRoutes(app: FastifyInstance, deps: AuthDeps): void {
  type Handler = (deps: AuthDeps, req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;
  const h = (fn: Handler) => (req: FastifyRequest, reply: FastifyReply) => fn(deps, req, reply);

  void app.register(async (api) => {
    parsers(api);
    api.setErrorHandler((err, req, reply) => {
      const e = toOAuthError(err, req);
      if (e.error === 'invalid_token') reply.header('WWW-Authenticate', `Bearer error="invalid_token", error_description="${e.description.replace(/"/g, "'")}"`);
      return sendOAuthError(reply, e);
    });
    registerDiscovery(api, deps);
    // CORS for browser apps calling the token endpoint follows the server's --cors-origin setting (http/)
    api.post('/auth/token', h(tokenEndpoint));
    api.post('/auth/introspect', h(introspect));
    api.post('/auth/revoke', h(revoke));
    registerAdmin(api, deps);
  });

  void app.register(async (pages) => {
    parsers(pages);
    pages.setErrorHandler((err, req, reply) => {
      const status = (err as { statusCode?: number }).statusCode;
      if (status && status >= 400 && status < 500) return errorPage(deps, req, reply, status, 'This request is not valid', 'The page was sent something it cannot read.');
      req.log.error({ err }, 'sign-in page failed');
      return errorPage(deps, req, reply, 500, 'Sorry, there is a problem with the service', 'Try again later.');
    });
    pages.route({ method: ['GET', 'POST'], url: '/auth/authorize', handler: h(authorize) });
    pages.post('/auth/login', h(login));
    pages.post('/auth/patient', h(choosePatient));
    pages.get('/auth/oidc/start', h(oidcStart));
    pages.get('/auth/oidc/callback', h(oidcCallback));
    registerAssets(pages);
  });
}
