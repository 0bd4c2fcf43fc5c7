/**
 * `GET /pools/{pool}/jobs` and `GET /pools/{pool}/jobs/{jobId}`: the status
 * of a pool's data jobs, for callers with the `jobs:read` scope.
 */
import { loadConfig } from '../lib/config.ts';
import { createHttpHandler } from '../lib/http.ts';
import { createHttpServices } from '../lib/services.ts';
import { listJobs, showJob } from '../lib/status.ts';

const services = createHttpServices(loadConfig(process.env, { callers: true }));

export const handler = createHttpHandler(
  { services, scope: 'jobs:read' },
  (request) =>
    request.event.pathParameters?.jobId === undefined
      ? listJobs(services, request)
      : showJob(services, request),
);
