/**
 * Test credentials. Each contains `LEAK_MARKER`, which the setup file looks
 * for in every line the tests print.
 */
import { createHash } from 'node:crypto';

export const LEAK_MARKER = 'sekrit';

export const APP_KEY = `app-key-${LEAK_MARKER}-1`;
export const ROTATED_APP_KEY = `app-key-${LEAK_MARKER}-2`;
export const API_KEY = `api-key-${LEAK_MARKER}`;
export const OAUTH_CLIENT = {
  clientId: 'job-control-client',
  clientSecret: `client-secret-${LEAK_MARKER}`,
};

export const OPERATOR_TOKEN = `operator-token-${LEAK_MARKER}`;
export const READER_TOKEN = `reader-token-${LEAK_MARKER}`;
export const OTHER_POOL_TOKEN = `other-pool-token-${LEAK_MARKER}`;

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface CallerSpec {
  name: string;
  token: string;
  scopes: string[];
  pools: string[];
}

export const TEST_CALLERS: CallerSpec[] = [
  {
    name: 'night-operator',
    token: OPERATOR_TOKEN,
    scopes: ['jobs:read', 'jobs:cancel'],
    pools: ['demo'],
  },
  {
    name: 'dashboard',
    token: READER_TOKEN,
    scopes: ['jobs:read'],
    pools: ['*'],
  },
  {
    name: 'crm-operator',
    token: OTHER_POOL_TOKEN,
    scopes: ['jobs:read', 'jobs:cancel'],
    pools: ['crm'],
  },
];

/** The callers secret string for `callers`. */
export function callersSecret(callers: CallerSpec[] = TEST_CALLERS): string {
  return JSON.stringify({
    callers: callers.map(({ token, ...rest }) => ({
      ...rest,
      tokenSha256: sha256(token),
    })),
  });
}
