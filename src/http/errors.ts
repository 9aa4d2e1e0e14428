import type { ErrorRequestHandler, Response } from 'express';
import { ZodError } from 'zod';
import type { ErrorCode } from '../core/errors.js';
import { isDomainError } from '../core/errors.js';

const STATUS: Record<ErrorCode, number> = {
  validation: 422,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  unauthenticated: 401,
  limit_reached: 429,
  unavailable: 503,
};

/** Every error the HTTP API returns: `{"error":{"code","message","details"}}`. */
export function sendError(res: Response, status: number, code: string, message: string, details?: unknown): void {
  res.status(status).json({ error: { code, message, ...(details === undefined ? {} : { details }) } });
}

/** Maps domain, validation and body-parser errors to statuses; anything else is a logged 500. */
export const errorHandler: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  if (res.headersSent) return;
  if (isDomainError(err)) return sendError(res, STATUS[err.code], err.code, err.message, err.details);
  if (err instanceof ZodError) {
    return sendError(res, 422, 'validation', 'The request is not valid', err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  const e = err as { type?: string; status?: number; message?: string; name?: string };
  if (isStoreUnavailable(e)) return sendError(res, 503, 'unavailable', 'The database is unavailable right now; try again shortly');
  if (e.type === 'entity.too.large') return sendError(res, 413, 'payload_too_large', 'The request body is too large');
  if (e.type === 'entity.parse.failed') return sendError(res, 400, 'malformed', 'The request body is not valid JSON');
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return sendError(res, e.status, 'bad_request', e.message ?? 'Bad request');
  req.log.error({ err }, 'unhandled error');
  sendError(res, 500, 'internal', 'Something went wrong; it has been logged');
};

/** MongoDB unreachable: the driver found no server, lost the connection, or mongoose gave up buffering. */
function isStoreUnavailable(e: { name?: string; message?: string }): boolean {
  return (
    e.name === 'MongoServerSelectionError' ||
    e.name === 'MongoNetworkError' ||
    e.name === 'MongoNetworkTimeoutError' ||
    e.name === 'MongoNotConnectedError' ||
    (e.name === 'MongooseError' && /buffering timed out/.test(e.message ?? ''))
  );
}
