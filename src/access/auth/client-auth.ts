/**
 * Who is calling the token, introspection and revocation endpoints: a confidential client with
 * HTTP Basic (client_secret_basic), a client with a signed JWT (private_key_jwt), or a public
 * client naming itself with client_id. Exactly one method per request (RFC 6749 §2.3).
 */
import type { FastifyRequest } from 'fastify';
import { burnSecretCheck, verifySecret, type ClientWithSecret } from '../accounts/index.ts';
import { ASSERTION_TYPE, AssertionVerifier } from './assertion.ts';
import { basicCredentials } from './http.ts';
import { OAuthError } from './oauth-error.ts';
import type { Principals } from './principals.ts';

export interface ClientAuthDeps {
  principals: Principals;
  assertions: AssertionVerifier;
}

const invalid = (why: string) => new OAuthError('invalid_client', why);

export async function authenticateClient(req: FastifyRequest, form: Map<string, string>, deps: ClientAuthDeps, tokenUrl: string): Promise<ClientWithSecret> {
  const basic = basicCredentials(req);
  const assertionType = form.get('client_assertion_type');
  const assertion = form.get('client_assertion');
  const named = form.get('client_id');
  if (basic && (assertionType || assertion)) throw new OAuthError('invalid_request', 'Use one client authentication method: HTTP Basic or a client_assertion, not both');

  if (basic) {
    if (named !== undefined && named !== basic.id) throw new OAuthError('invalid_request', 'The client_id differs from the one in the Basic credentials');
    const client = await deps.principals.client(basic.id);
    if (!client?.secretHash) {
      await burnSecretCheck(basic.secret);
      throw invalid('Unknown client or wrong client secret');
    }
    if (!(await verifySecret(basic.secret, client.secretHash))) throw invalid('Unknown client or wrong client secret');
    return active(client);
  }

  if (assertionType !== undefined || assertion !== undefined) {
    if (assertionType !== ASSERTION_TYPE) throw new OAuthError('invalid_request', `client_assertion_type must be ${ASSERTION_TYPE}`);
    if (!assertion) throw new OAuthError('invalid_request', 'The client_assertion is missing');
    const id = AssertionVerifier.issuerOf(assertion);
    if (named !== undefined && named !== id) throw new OAuthError('invalid_request', "The client_id differs from the client_assertion's iss");
    const client = await deps.principals.client(id);
    if (!client) throw invalid(`Unknown client: ${id}`);
    await deps.assertions.verify(assertion, client, tokenUrl);
    return active(client);
  }

  if (named === undefined) throw invalid('Identify the client: client_id (public clients), HTTP Basic, or a client_assertion');
  const client = await deps.principals.client(named);
  if (!client) throw invalid(`Unknown client: ${named}`);
  if (client.authMethod !== 'none') throw invalid('This client is confidential: authenticate it with its secret (HTTP Basic) or a signed client_assertion');
  return active(client);
}

function active(client: ClientWithSecret): ClientWithSecret {
  if (!client.active) throw invalid('This client has been deactivated');
  return client;
}
