import express, { type Request, type Response, type Router } from 'express';
import type { Clock } from '../core/clock.js';
import type { ScorecardImageStore } from '../core/scorecards/scorecards.types.js';
import { sendError } from './errors.js';

/** Serves scorecard pictures by their unguessable id (no login: Slack and Teams fetch them); expired ones are gone. */
export function scorecardImages(images: ScorecardImageStore, clock: Clock): Router {
  const router = express.Router();
  router.get('/:file', async (req: Request, res: Response) => {
    const id = /^([A-Za-z0-9_-]{24})\.png$/.exec(String(req.params.file))?.[1];
    const png = id ? await images.get(id, clock.now()) : null;
    if (!png) return sendError(res, 404, 'not_found', 'No such picture (it may have expired)');
    res.set({ 'content-type': 'image/png', 'cache-control': 'private, max-age=86400', 'x-content-type-options': 'nosniff' }).send(png);
  });
  return router;
}
