import { z } from 'zod';
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import { objectIdSchema } from '../people/people.types.js';
import { plainText } from '../text.js';
import type { AlertRepository, Silence } from './alerts.types.js';

export const silenceInputSchema = z
  .object({
    kpiKey: z.string().min(1).optional(),
    teamId: objectIdSchema.optional(),
    until: z.coerce.date({ message: 'expected an ISO 8601 date-time' }),
    reason: plainText(z.string().trim().min(3).max(500), { multiline: true }),
  })
  .strict()
  .refine((s) => Boolean(s.kpiKey) !== Boolean(s.teamId), { message: 'give either kpiKey or teamId' });
export type SilenceInput = z.output<typeof silenceInputSchema>;

/** Longest silence: a quarter. Anything longer is a KPI to retire, not to mute. */
const MAX_SILENCE_MS = 92 * 86_400_000;

/** Silences a KPI or a team until a time: alerts are still recorded, their notifications suppressed. */
export async function createSilence(d: { alerts: AlertRepository; clock: Clock }, input: SilenceInput, createdBy: string): Promise<Silence> {
  const now = d.clock.now();
  if (input.until.getTime() <= now.getTime()) throw new DomainError('validation', 'A silence must end in the future', { until: input.until });
  if (input.until.getTime() - now.getTime() > MAX_SILENCE_MS) throw new DomainError('validation', 'A silence may last at most 92 days');
  return d.alerts.createSilence({ kpiKey: input.kpiKey ?? null, teamId: input.teamId ?? null, until: input.until, reason: input.reason, createdBy, createdAt: now });
}
