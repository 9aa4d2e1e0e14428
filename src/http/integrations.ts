import express, { type Request, type Response, type Router } from 'express';
import { alertmanagerPayloadSchema, eventsPayloadSchema, readAlertmanagerPayload } from '../core/alerts/intakes.js';
import type { Core } from '../core/index.js';
import { isDomainError } from '../core/errors.js';
import { sendError } from './errors.js';

const bearer = (req: Request): string => /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
const issuesOf = (issues: { path: PropertyKey[]; message: string }[]) => issues.map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`);

/**
 * The alert intakes, mounted at /api/v1/integrations: a Prometheus
 * Alertmanager webhook receiver (payload v4, integration key as the bearer
 * token that `http_config.authorization` sends) and a PagerDuty Events API
 * v2-compatible endpoint (integration key as `routing_key`).
 */
export function createIntakes(core: Core): Router {
  const router = express.Router();
  const json = express.json({ limit: '1mb' });

  router.post('/alertmanager', json, async (req: Request, res: Response) => {
    const key = bearer(req);
    if (!key) return sendError(res, 401, 'unauthenticated', 'Send the integration key as a bearer token (Alertmanager: http_config.authorization.credentials)');
    // Checked by hand; the schema parses only a payload that fails the check, and says what is wrong with it.
    let payload = readAlertmanagerPayload(req.body);
    if (!payload) {
      const parsed = alertmanagerPayloadSchema.safeParse(req.body);
      if (!parsed.success) return sendError(res, 422, 'validation', `Not an Alertmanager webhook payload: ${issuesOf(parsed.error.issues)[0]}`, { issues: issuesOf(parsed.error.issues) });
      payload = parsed.data;
    }
    try {
      res.json({ status: 'success', ...(await core.alerts.alertmanager(key, payload)) });
    } catch (err) {
      if (isDomainError(err) && err.code === 'unauthenticated') return sendError(res, 401, 'unauthenticated', err.message);
      throw err;
    }
  });

  // PagerDuty's own answers: 202 {status, message, dedup_key}; 400 {status: 'invalid event', message, errors}.
  router.post('/events', json, async (req: Request, res: Response) => {
    const parsed = eventsPayloadSchema.safeParse(req.body);
    if (!parsed.success) return res.status(400).json({ status: 'invalid event', message: 'Event object is invalid', errors: issuesOf(parsed.error.issues) });
    try {
      const result = await core.alerts.event(parsed.data.routing_key || bearer(req), parsed.data);
      res.status(202).json({ status: 'success', message: 'Event processed', dedup_key: result.dedupKey, outcome: result.outcome });
    } catch (err) {
      if (isDomainError(err) && err.code === 'unauthenticated') return res.status(400).json({ status: 'invalid event', message: 'Invalid routing key', errors: [err.message] });
      if (isDomainError(err) && err.code === 'validation') return res.status(400).json({ status: 'invalid event', message: 'Event object is invalid', errors: [err.message] });
      throw err;
    }
  });
  return router;
}
