/**
 * Security headers on every response, and CORS for the browser origins an operator allows
 * (none by default). Preflight requests are answered here.
 */
import type { FastifyInstance } from 'fastify';

const HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** API answers hold data, never pages: nothing may run in them or frame them. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

const ALLOWED_HEADERS = 'Authorization, Content-Type, Accept, If-Match, If-None-Exist, If-None-Match, If-Modified-Since, Prefer, X-Request-Id';
const EXPOSED_HEADERS = 'Location, Content-Location, ETag, Last-Modified, WWW-Authenticate, Retry-After';

export function securityHeaders(app: FastifyInstance, corsOrigins: readonly string[]): void {
  const anyOrigin = corsOrigins.includes('*');
  const allowed = new Set(corsOrigins);
  const api = { ...HEADERS, 'Content-Security-Policy': API_CSP };
  // a callback hook, not an async one: it runs on every request and needs no promise
  app.addHook('onRequest', (req, reply, done) => {
    reply.headers(req.url.startsWith('/auth/') || req.url.startsWith('/assets/') ? HEADERS : api);
    const origin = req.headers.origin;
    if (!origin || !(anyOrigin || allowed.has(origin))) return done();
    reply.header('Access-Control-Allow-Origin', anyOrigin ? '*' : origin);
    reply.header('Vary', 'Origin');
    reply.header('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      reply.header('Access-Control-Allow-Methods', 'GET, HEAD, POST, PUT, PATCH, DELETE');
      reply.header('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      reply.header('Access-Control-Max-Age', '600');
      reply.code(204).send();
      return; // answered: the request goes no further
    }
    done();
  });
}
