/**
 * Fastify: content types, the FHIR route (one catch-all mapped through the FHIR URL grammar),
 * replies and the one error mapping. Every failure leaves as an OperationOutcome.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { FhirError, asFhirError } from '../fhir/errors.ts';
import { parseFhirXml } from '../fhir/xml/index.ts';
import { parseFhirJson } from '../fhir/json.ts';
import { handle } from '../interactions/dispatch.ts';
import type { FhirRequest, FhirResponse, InteractionContext } from '../interactions/types.ts';
import { httpDate } from '../interactions/versions.ts';
import { CONTENT_TYPE, negotiate, render, type Format } from './format.ts';
import { baseUrlOf, FHIR_PREFIX, toFhirRequest } from './request.ts';
import type { Logger } from 'pino';
import { openAccess, type AccessContext } from '../access/types.ts';
import { auditInput } from '../interactions/dispatch.ts';
import { RateLimiter } from './rate-limit.ts';
import { securityHeaders } from './security-headers.ts';

/** Who a request without a valid token is, for the audit of its refusal. */
function anonymous(address: string): AccessContext {
  return { mode: 'token', clientId: 'anonymous', clientName: 'No valid access token', roles: new Set(), scopes: [], purposeOfUse: 'TREAT', clearance: new Set(), address };
}

export interface HttpOptions {
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  /** Verifies `Authorization: Bearer …` and says who is asking (401 when it cannot). */
  authenticate(authorization: string | undefined, address: string): Promise<AccessContext>;
  /** `--dev`: a request without a token runs with open access (still audited). */
  dev: boolean;
  /** Requests per second per client (0: no limit). */
  rateLimit: number;
  /** Browser origins allowed by CORS ('*' for any); none by default. */
  corsOrigins: readonly string[];
  /** The public FHIR base URL; derived from the Host header when absent. */
  baseUrl?: string;
  logger?: Logger | false;
}

const JSON_TYPES = ['application/fhir+json', 'application/json', 'application/json-patch+json', 'application/json+fhir'];
const XML_TYPES = ['application/fhir+xml', 'application/xml', 'text/xml', 'application/xml+fhir'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Fastify's own error codes, mapped once to FHIR error categories. */
const FASTIFY_ERRORS: Record<string, (e: Error) => FhirError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => new FhirError('too-large', 'The request body is larger than this server accepts (see --body-limit)'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    new FhirError('unsupported-media', 'Unsupported Content-Type: send application/fhir+json, application/fhir+xml or application/json-patch+json'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new FhirError('incorrect', 'The Content-Length does not match the body'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new FhirError('incorrect', 'The request body is empty'),
  FST_ERR_BAD_URL: () => new FhirError('incorrect', 'The URL is malformed'),
};

/** The context of one request: Object.assign, not a spread (V8's spread-then-add copy is several times slower, on every request). */
function withAccess(ctx: InteractionContext, access: AccessContext): InteractionContext {
  return Object.assign({}, ctx, { access });
}

function toFhirError(err: unknown): FhirError {
  if (err instanceof FhirError) return err;
  const code = (err as { code?: string }).code;
  if (code && FASTIFY_ERRORS[code]) return FASTIFY_ERRORS[code](err as Error);
  const status = (err as { statusCode?: number }).statusCode;
  if (status && status >= 400 && status < 500) return new FhirError('incorrect', (err as Error).message);
  return asFhirError(err);
}

function formatOf(req: FastifyRequest): Format {
  const q = req.query as Record<string, string | string[] | undefined>;
  const f = q?._format;
  try {
    return negotiate(Array.isArray(f) ? f[0] : f, req.headers.accept);
  } catch {
    return 'json';
  }
}

export function buildHttpServer(ctx: InteractionContext, opts: HttpOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: opts.bodyLimit,
    ...(opts.logger ? { loggerInstance: opts.logger as unknown as FastifyBaseLogger } : { logger: false }),
    // URLs can carry identifiers (patient data): the onResponse hook below logs without them
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000, caseSensitive: true },
    // errors raised before routing (a malformed URL) leave as OperationOutcomes too
    frameworkErrors: (err, _req, reply) => {
      sendError(reply, toFhirError(err), 'json', ctx);
    },
  });

  securityHeaders(app, opts.corsOrigins);
  const limiter = new RateLimiter(opts.rateLimit);
  /** Who is asking: the verified token, or open access in --dev when there is none. A 401 is audited too. */
  const accessOf = async (req: FastifyRequest): Promise<AccessContext> => {
    const authorization = req.headers.authorization;
    try {
      const access = authorization === undefined && opts.dev ? openAccess(req.ip) : await opts.authenticate(authorization, req.ip);
      limiter.take(access.mode === 'open' ? `ip:${req.ip}` : access.clientId);
      return access;
    } catch (err) {
      if (err instanceof FhirError && err.status === 401) {
        let request: FhirRequest | undefined;
        try {
          request = toFhirRequest(req, ctx.defs, baseUrlOf(req, opts.baseUrl));
        } catch {
          request = undefined; // a URL that is not FHIR: the 401 still answers, with nothing to audit it by
        }
        if (request) await ctx.audit.record(auditInput(request, { ...ctx, access: anonymous(req.ip) }, 401, err.message));
      }
      throw err;
    }
  };

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, parseFhirJson(text));
    } catch (e) {
      done(new FhirError('incorrect', `The body is not valid JSON: ${(e as Error).message}`), undefined);
    }
  });
  app.addContentTypeParser(XML_TYPES, { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, parseFhirXml(text, ctx.defs));
    } catch (e) {
      done(toFhirError(e), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err, req, reply) => {
    const fhirError = toFhirError(err);
    if (fhirError.status >= 500) req.log.error({ err }, 'request failed');
    sendError(reply, fhirError, formatOf(req), ctx);
  });
  app.setNotFoundHandler((req, reply) => {
    sendError(reply, new FhirError('not-found', `Nothing is served at ${req.url.split('?')[0]}; the FHIR base is ${FHIR_PREFIX}`), 'json', ctx);
  });

  // a hook on every request costs even when its log line is dropped: registered only when it is written
  if (opts.logger && opts.logger.isLevelEnabled('info')) {
    app.addHook('onResponse', (req, reply, done) => {
      req.log.info({ method: req.method, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
      done();
    });
  }

  const fhirHandler = async (req: FastifyRequest, reply: FastifyReply) => {
    const q = req.query as Record<string, string | string[] | undefined>;
    const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[v.length - 1] : v);
    const format = negotiate(first(q._format), req.headers.accept);
    const request = toFhirRequest(req, ctx.defs, baseUrlOf(req, opts.baseUrl));
    const access = request.interaction === 'capabilities' && req.headers.authorization === undefined ? openAccess(req.ip) : await accessOf(req);
    if (access.mode === 'token') reply.header('Cache-Control', 'no-store');
    const response = await handle(request, withAccess(ctx, access));
    const shape = request.interaction === 'read' || request.interaction === 'vread';
    return send(reply, response, { format, pretty: first(q._pretty) === 'true', summary: first(q._summary), elements: first(q._elements) }, ctx, shape, req.method === 'HEAD');
  };
  app.route({ method: METHODS, url: FHIR_PREFIX, handler: fhirHandler });
  app.route({ method: METHODS, url: `${FHIR_PREFIX}/*`, handler: fhirHandler });
  app.route({
    method: ['OPTIONS', 'TRACE'] as never,
    url: FHIR_PREFIX,
    handler: async (req) => {
      throw new FhirError('not-allowed', `${req.method} is not supported`);
    },
  });
  app.route({
    method: ['OPTIONS', 'TRACE'] as never,
    url: `${FHIR_PREFIX}/*`,
    handler: async (req) => {
      throw new FhirError('not-allowed', `${req.method} is not supported`);
    },
  });
  return app;
}

function send(
  reply: FastifyReply,
  res: FhirResponse,
  opts: { format: Format; pretty: boolean; summary?: string; elements?: string },
  ctx: InteractionContext,
  shape: boolean,
  head: boolean,
) {
  reply.code(res.status);
  if (res.location) reply.header('Location', res.location);
  if (res.location && (res.status === 201 || res.status === 202)) reply.header('Content-Location', res.location); // 202: where the job's status is
  if (res.etag) reply.header('ETag', res.etag);
  if (res.lastModified !== undefined) reply.header('Last-Modified', httpDate(res.lastModified));
  if (!res.body || res.status === 204 || res.status === 304) return reply.send();
  reply.header('Content-Type', CONTENT_TYPE[opts.format]);
  const text = render(res.body, opts, ctx.defs, shape);
  return reply.send(head ? undefined : text);
}

function sendError(reply: FastifyReply, err: FhirError, format: Format, ctx: InteractionContext) {
  reply.code(err.status).header('Content-Type', CONTENT_TYPE[format]);
  if (err.status === 401) reply.header('WWW-Authenticate', `Bearer realm="meridian", error="invalid_token", error_description="${err.message.replace(/["\\]/g, "'")}"`);
  const retryAfter = (err as { retryAfter?: number }).retryAfter;
  if (retryAfter !== undefined) reply.header('Retry-After', String(retryAfter));
  if (err.etag) reply.header('ETag', err.etag);
  return reply.send(render(err.toOperationOutcome(), { format, pretty: false }, ctx.defs, false));
}
