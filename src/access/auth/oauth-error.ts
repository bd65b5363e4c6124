/** OAuth 2.0's own error format (RFC 6749 §5.2): `{"error": "invalid_grant", "error_description": "…"}` with its status. */
import type { FastifyReply } from 'fastify';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'invalid_scope'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'unsupported_token_type'
  | 'access_denied'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'temporarily_unavailable'
  | 'server_error';

const STATUS: Partial<Record<OAuthErrorCode, number>> = {
  invalid_client: 401,
  invalid_token: 401,
  access_denied: 403,
  insufficient_scope: 403,
  temporarily_unavailable: 503,
  server_error: 500,
};

export class OAuthError extends Error {
  readonly status: number;
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    status?: number,
  ) {
    super(description);
    this.name = 'OAuthError';
    this.status = status ?? STATUS[error] ?? 400;
  }
}

export function sendOAuthError(reply: FastifyReply, err: OAuthError): FastifyReply {
  reply.code(err.status).header('Cache-Control', 'no-store').header('Pragma', 'no-cache').header('Content-Type', 'application/json; charset=utf-8');
  if (err.error === 'invalid_client') reply.header('WWW-Authenticate', 'Basic realm="meridian", charset="UTF-8"');
  return reply.send(JSON.stringify({ error: err.error, error_description: err.description }));
}
