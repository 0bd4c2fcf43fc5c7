/**
 * The one structured logger. Lines are JSON with the request id (through
 * `injectLambdaContext`) and, on HTTP requests, the caller's name. Messages
 * are short lowercase phrases; data goes in keys. Nothing that holds a
 * credential, a token, an Authorization header or a raw body is logged.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { ConfigVariableError } from './errors.ts';

const levels = [
  'TRACE',
  'DEBUG',
  'INFO',
  'WARN',
  'ERROR',
  'CRITICAL',
  'SILENT',
];

type Level = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'CRITICAL';

function readLogLevel(raw: string | undefined): Level {
  const level = (raw?.trim() || 'INFO').toUpperCase();
  if (!levels.includes(level)) {
    throw new ConfigVariableError('LOG_LEVEL', `must be one of ${levels}`);
  }

  return level as Level;
}

// The logger reads its own two variables: every module logs through it, so
// it must exist before, and without, the functions' configuration.
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'celonis-job-control',
  logLevel: readLogLevel(process.env.LOG_LEVEL),
});
