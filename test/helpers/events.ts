/**
 * HTTP API (payload format 2.0) events and Lambda contexts, shaped as API
 * Gateway sends them, for invoking handlers directly.
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

export interface HttpEventOptions {
  method?: string;
  path: string;
  routeKey?: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | object;
  token?: string;
}

export function httpEvent(options: HttpEventOptions): APIGatewayProxyEventV2 {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = {
    host: 'api.example.test',
    'user-agent': 'curl/8.5.0',
    ...(options.token && { authorization: `Bearer ${options.token}` }),
    ...options.headers,
  };
  const body =
    typeof options.body === 'object'
      ? JSON.stringify(options.body)
      : options.body;
  const query = options.query;

  return {
    version: '2.0',
    routeKey: options.routeKey ?? `${method} ${options.path}`,
    rawPath: options.path,
    rawQueryString: query ? new URLSearchParams(query).toString() : '',
    headers,
    ...(query && { queryStringParameters: query }),
    ...(options.pathParameters && { pathParameters: options.pathParameters }),
    ...(body !== undefined && { body }),
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api-id',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: {
        method,
        path: options.path,
        protocol: 'HTTP/1.1',
        sourceIp: '192.0.2.10',
        userAgent: 'curl/8.5.0',
      },
      requestId: 'request-id',
      routeKey: options.routeKey ?? `${method} ${options.path}`,
      stage: '$default',
      time: '03/Dec/2026:22:45:00 +0000',
      timeEpoch: 1_796_424_300_000,
    },
  };
}

/** A Lambda context whose remaining time counts down from `remainingMs`. */
export function lambdaContext(remainingMs = 29_000, name = 'test'): Context {
  const endsAt = Date.now() + remainingMs;

  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: `celonis-job-control-test-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-central-1:123456789012:function:${name}`,
    memoryLimitInMB: '256',
    awsRequestId: `req-${Math.random().toString(16).slice(2, 10)}`,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => Math.max(0, endsAt - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
