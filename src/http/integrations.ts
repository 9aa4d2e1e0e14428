import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { alertmanagerPayloadSchema, eventsPayloadSchema, readAlertmanagerPayload } from '../core/alerts/intakes.js';
import type { Core } from '../core/index.js';
import { isDomainError } from '../core/errors.js';
import { answerFor, errorAnswer, INTERNAL_ERROR } from './errors.js';

const bearer = (req: IncomingMessage): string => /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
const issuesOf = (issues: { path: PropertyKey[]; message: string }[]) => issues.map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`);

interface Answer {
  status: number;
  body: unknown;
}

const INTAKE_PATH = '/api/v1/integrations';

/**
 * The request's JSON body as express.json reads it (body-parser: 1 MB, strict, gzip/deflate/br, its 400/413/415
 * errors, answered by errors.ts), called on node's own request: body-parser reads only its headers and stream, and
 * sets `req.body` (undefined when there is no body or it is not JSON).
 */
const jsonParser = express.json({ limit: '1mb' });
const readJsonBody = (req: IncomingMessage, res: ServerResponse): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const request = req as Request;
    void jsonParser(request, res as Response, (err?: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(request.body)));
  });

/** Writes `body` as JSON, as express's res.json does (without an ETag: these are answers to POSTs). */
function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

/**
 * The alert intakes, at /api/v1/integrations: a Prometheus Alertmanager
 * webhook receiver (payload v4, integration key as the bearer token that
 * `http_config.authorization` sends) and a PagerDuty Events API
 * v2-compatible endpoint (integration key as `routing_key`). Served straight
 * from node:http (server.ts `routes`), not through express: at 1,000 alerts
 * a second express's routing, body-parser and pino-http cost more than the
 * intake's own work. The body is read by body-parser (express.json) all the
 * same, and errors answer as errors.ts does.
 */
export function createIntakes(core: Core, logger: Logger): Record<string, RequestListener> {
  const serve =
    (handle: (req: IncomingMessage, body: unknown) => Promise<Answer>): RequestListener =>
    (req, res) =>
      void (async () => {
        let answer: Answer;
        try {
          answer = await handle(req, await readJsonBody(req, res));
        } catch (err) {
          answer = answerFor(err) ?? INTERNAL_ERROR;
          if (answer === INTERNAL_ERROR) logger.error({ err, req: { id: res.getHeader('x-request-id'), method: req.method, url: req.url } }, 'unhandled error');
        }
        if (!res.headersSent) sendJson(res, answer.status, answer.body);
      })();

  const alertmanager = async (req: IncomingMessage, body: unknown): Promise<Answer> => {
    const key = bearer(req);
    if (!key) return errorAnswer(401, 'unauthenticated', 'Send the integration key as a bearer token (Alertmanager: http_config.authorization.credentials)');
    // Checked by hand; the schema parses only a payload that fails the check, and says what is wrong with it.
    let payload = readAlertmanagerPayload(body);
    if (!payload) {
      const parsed = alertmanagerPayloadSchema.safeParse(body);
      if (!parsed.success) return errorAnswer(422, 'validation', `Not an Alertmanager webhook payload: ${issuesOf(parsed.error.issues)[0]}`, { issues: issuesOf(parsed.error.issues) });
      payload = parsed.data;
    }
    try {
      return { status: 200, body: { status: 'success', ...(await core.alerts.alertmanager(key, payload)) } };
    } catch (err) {
      if (isDomainError(err) && err.code === 'unauthenticated') return errorAnswer(401, 'unauthenticated', err.message);
      throw err;
    }
  };

  // PagerDuty's own answers: 202 {status, message, dedup_key}; 400 {status: 'invalid event', message, errors}.
  const events = async (req: IncomingMessage, body: unknown): Promise<Answer> => {
    const invalid = (message: string, errors: string[]): Answer => ({ status: 400, body: { status: 'invalid event', message, errors } });
    const parsed = eventsPayloadSchema.safeParse(body);
    if (!parsed.success) return invalid('Event object is invalid', issuesOf(parsed.error.issues));
    try {
      const result = await core.alerts.event(parsed.data.routing_key || bearer(req), parsed.data);
      return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: result.dedupKey, outcome: result.outcome } };
    } catch (err) {
      if (isDomainError(err) && err.code === 'unauthenticated') return invalid('Invalid routing key', [err.message]);
      if (isDomainError(err) && err.code === 'validation') return invalid('Event object is invalid', [err.message]);
      throw err;
    }
  };

  return { [`POST ${INTAKE_PATH}/alertmanager`]: serve(alertmanager), [`POST ${INTAKE_PATH}/events`]: serve(events) };
}
