/**
 * The credentials the emulated team accepts: application keys, user API
 * keys and OAuth clients with the access tokens issued to them.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { Credentials, OAuthClient, RecordedAuth } from './types.ts';

const DEFAULT_TOKEN_TTL_SECONDS = 3600;
const DEFAULT_SCOPE = 'integration.data-pools';

export interface IssuedToken {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

export interface CredentialStore {
  /** Whether an `Authorization` header grants access to the API. */
  authorize(header: string | undefined): boolean;
  /** Issues a token, or answers undefined for an unknown client. */
  issueToken(
    clientId: string,
    clientSecret: string,
    scope: string | undefined,
  ): IssuedToken | undefined;
  /** Replaces the accepted credentials of each kind given. */
  replace(credentials: Credentials): void;
}

interface TokenGrant {
  clientId: string;
  expiresAt: number;
}

/** Splits `Scheme value` into its parts; the scheme is case-insensitive. */
function splitAuthorization(
  header: string | undefined,
): { scheme: string; value: string } | undefined {
  const match = /^(\S+)\s+(.+)$/.exec(header?.trim() ?? '');
  if (!match?.[1] || !match[2]) {
    return undefined;
  }

  return { scheme: match[1].toLowerCase(), value: match[2] };
}

/** Names the kind of credential a request carries, never the credential. */
export function classifyAuthorization(
  header: string | undefined,
): RecordedAuth {
  if (header === undefined || header.trim() === '') {
    return 'none';
  }
  const scheme = splitAuthorization(header)?.scheme;
  if (scheme === 'appkey') {
    return 'appkey';
  }

  return scheme === 'bearer' ? 'bearer' : 'other';
}

/** Reads the client id and secret of an HTTP Basic header. */
export function parseBasicAuthorization(
  header: string | undefined,
): { clientId: string; clientSecret: string } | undefined {
  const parts = splitAuthorization(header);
  if (parts?.scheme !== 'basic') {
    return undefined;
  }
  const decoded = Buffer.from(parts.value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    return undefined;
  }

  // OAuth clients form-encode id and secret before joining them.
  return {
    clientId: decodeFormComponent(decoded.slice(0, colon)),
    clientSecret: decodeFormComponent(decoded.slice(colon + 1)),
  };
}

function decodeFormComponent(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return text;
  }
}

export function createCredentialStore(initial: Credentials): CredentialStore {
  let appKeys = new Set<string>();
  let apiKeys = new Set<string>();
  let clients = new Map<string, OAuthClient>();
  // Tokens outlive `replace` as long as their client is still accepted,
  // like access tokens of a real authorization server.
  const tokens = new Map<string, TokenGrant>();

  function replace(credentials: Credentials): void {
    if (credentials.appKeys) {
      appKeys = new Set(credentials.appKeys);
    }
    if (credentials.apiKeys) {
      apiKeys = new Set(credentials.apiKeys);
    }
    if (credentials.oauthClients) {
      clients = new Map(
        credentials.oauthClients.map((client) => [client.clientId, client]),
      );
    }
  }

  function isTokenValid(token: string): boolean {
    const grant = tokens.get(token);
    if (!grant) {
      return false;
    }
    if (grant.expiresAt <= Date.now() || !clients.has(grant.clientId)) {
      tokens.delete(token);
      return false;
    }

    return true;
  }

  function authorize(header: string | undefined): boolean {
    const parts = splitAuthorization(header);
    if (parts?.scheme === 'appkey') {
      return appKeys.has(parts.value);
    }
    if (parts?.scheme === 'bearer') {
      return apiKeys.has(parts.value) || isTokenValid(parts.value);
    }

    return false;
  }

  function issueToken(
    clientId: string,
    clientSecret: string,
    scope: string | undefined,
  ): IssuedToken | undefined {
    const client = clients.get(clientId);
    if (!client || client.clientSecret !== clientSecret) {
      return undefined;
    }
    const ttlSeconds = client.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
    const token = randomBytes(24).toString('base64url');
    tokens.set(token, { clientId, expiresAt: Date.now() + ttlSeconds * 1000 });

    return {
      access_token: token,
      token_type: 'Bearer',
      expires_in: Math.floor(ttlSeconds),
      scope: scope?.trim() || DEFAULT_SCOPE,
    };
  }

  replace(initial);

  return { authorize, issueToken, replace };
}
