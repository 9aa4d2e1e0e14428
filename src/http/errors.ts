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
export interface ErrorAnswer {
  status: number;
  body: { error: { code: string; message: string; details?: unknown } };
}

export function errorAnswer(status: number, code: string, message: string, details?: unknown): ErrorAnswer {
  return { status, body: { error: { code, message, ...(details === undefined ? {} : { details }) } } };
}

export function sendError(res: Response, status: number, code: string, message: string, details?: unknown): void {
  const answer = errorAnswer(status, code, message, details);
  res.status(answer.status).json(answer.body);
}

/** What is answered when an unexpected error has been logged. */
export const INTERNAL_ERROR = errorAnswer(500, 'internal', 'Something went wrong; it has been logged');

/**
 * The answer to a thrown domain, validation or body-reading error (body-parser's `type` and `status`);
 * undefined for anything else: a 500 to log.
 */
export function answerFor(err: unknown): ErrorAnswer | undefined {
  if (isDomainError(err)) return errorAnswer(STATUS[err.code], err.code, err.message, err.details);
  if (err instanceof ZodError) {
    return errorAnswer(422, 'validation', 'The request is not valid', err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  const e = err as { type?: string; status?: number; message?: string; name?: string };
  if (isStoreUnavailable(e)) return errorAnswer(503, 'unavailable', 'The database is unavailable right now; try again shortly');
  if (e.type === 'entity.too.large') return errorAnswer(413, 'payload_too_large', 'The request body is too large');
  if (e.type === 'entity.parse.failed') return errorAnswer(400, 'malformed', 'The request body is not valid JSON');
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return errorAnswer(e.status, 'bad_request', e.message ?? 'Bad request');
  return undefined;
}

/** Maps domain, validation and body-parser errors to statuses; anything else is a logged 500. */
export const errorHandler: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  if (res.headersSent) return;
  const answer = answerFor(err);
  if (!answer) req.log.error({ err }, 'unhandled error');
  const { status, body } = answer ?? INTERNAL_ERROR;
  res.status(status).json(body);
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
