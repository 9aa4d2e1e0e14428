import { z } from 'zod';
import { defineJob, defineJobs } from '../job-declarations.js';
import type { PagesFirst } from '../pages-first.js';
import { ESCALATION_JOBS, type EscalationService } from './escalation.js';

const step = z.object({ alertId: z.string().min(1), repeat: z.number().int().min(0), step: z.number().int().min(0), wave: z.number().int().min(0).default(0) });

/**
 * Escalation on the alerts queue, ahead of any fan-out: each step of an
 * alert's chain, a low-urgency notification that waited for working
 * hours, and the crash net of first steps run in process (escalation.nets.ts).
 * The steps' job ids come from alert, wave, repeat and step (escalation.ts).
 * Each counts as work a page waits on while it runs (`pagesFirst`): bulk work yields to it.
 */
export const escalationJobs = (escalation: EscalationService, pagesFirst?: Pick<PagesFirst, 'during'>) => {
  const urgent = <T>(work: () => Promise<T>): Promise<T> => (pagesFirst ? pagesFirst.during(work) : work());
  return defineJobs('alerts', {
    jobs: [
      defineJob(ESCALATION_JOBS.step, step, (d) => urgent(() => escalation.runStep(d.alertId, d.repeat, d.step, d.wave))),
      defineJob(ESCALATION_JOBS.notify, step.extend({ personId: z.string().min(1) }), (d) => urgent(() => escalation.notifyDeferred(d.alertId, d.repeat, d.step, d.personId, d.wave))),
      defineJob(ESCALATION_JOBS.net, z.object({ net: z.string().min(1), alertIds: z.array(z.string().min(1)).min(1) }), (d) => urgent(() => escalation.catchUp(d.net, d.alertIds))),
    ],
  });
};
