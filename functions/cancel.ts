/**
 * `POST /pools/{pool}/jobs/{jobId}/cancel` and
 * `POST /pools/{pool}/cancel-running`: cancel one data job, or every running
 * one of a pool (also on a monitoring webhook), for callers with the
 * `jobs:cancel` scope.
 */
import { cancelOne, cancelRunning } from '../lib/cancel-routes.ts';
import { loadConfig } from '../lib/config.ts';
import { createHttpHandler } from '../lib/http.ts';
import { createHttpServices } from '../lib/services.ts';

const services = createHttpServices(loadConfig(process.env, { callers: true }));

export const handler = createHttpHandler(
  { services, scope: 'jobs:cancel' },
  (request) =>
    request.event.pathParameters?.jobId === undefined
      ? cancelRunning(services, request)
      : cancelOne(services, request),
);
