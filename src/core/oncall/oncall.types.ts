import { Duration } from 'luxon';
import { z } from 'zod';
import type { Weekday } from '../people/people.types.js';
import { objectIdSchema, ROLES, timeZoneSchema } from '../people/people.types.js';

/** `HH:mm`, 00:00–23:59, a local wall-clock time. */
export const localTimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a local time HH:mm, e.g. 09:00');

/** A shift length: `daily`, `weekly`, or an ISO 8601 duration such as `P2D`, `P1W`, `PT12H`. */
export const shiftLengthSchema = z
  .string()
  .trim()
  .transform((s) => (s === 'daily' ? 'P1D' : s === 'weekly' ? 'P1W' : s.toUpperCase()))
  .refine((s) => {
    const d = Duration.fromISO(s);
    return d.isValid && d.as('minutes') >= 15 && d.as('days') <= 366;
  }, { message: 'expected daily, weekly or an ISO 8601 duration between PT15M and P366D, e.g. P1D, P1W, PT12H' })
  .describe('daily, weekly, or an ISO 8601 duration (P1D, P1W, PT12H, P2W)');

const weekdaysSchema = z
  .array(z.number().int().min(1).max(7))
  .min(1)
  .max(7)
  .refine((d) => new Set(d).size === d.length, { message: 'weekdays must not repeat' })
  .transform((d) => [...d].sort() as Weekday[]);

/**
 * When a layer covers: on these weekdays (ISO, Monday = 1), between these
 * local times in the layer's zone. `to` at or before `from` runs past
 * midnight (22:00–06:00 covers the night that starts on each weekday).
 */
export const restrictionSchema = z
  .object({
    weekdays: weekdaysSchema.default([1, 2, 3, 4, 5, 6, 7]),
    from: localTimeSchema.default('00:00'),
    to: localTimeSchema.default('00:00'),
  })
  .describe('Covers only on these weekdays between these local times (follow-the-sun)');

export const layerInputSchema = z.object({
  name: z.string().trim().min(1).max(100),
  /** Rotation order: shift k goes to people[k mod n]. */
  people: z.array(objectIdSchema).min(1).max(200).describe('Person ids in rotation order'),
  shift: shiftLengthSchema,
  handoff: localTimeSchema.default('09:00').describe('Local time of each hand-off'),
  timeZone: timeZoneSchema.optional().describe("IANA zone of the hand-off and restriction; defaults to the schedule's"),
  /** Local date of the first shift's hand-off; shift 0 goes to people[0]. */
  start: z.iso.date('expected a date YYYY-MM-DD').describe('Local date the rotation starts (first hand-off)'),
  restriction: restrictionSchema.nullable().default(null),
});
export type LayerInput = z.input<typeof layerInputSchema>;
export type Layer = Omit<z.output<typeof layerInputSchema>, 'timeZone'> & { timeZone: string };

export const scheduleInputSchema = z.object({
  teamId: objectIdSchema.describe('The team this schedule covers (one schedule per team)'),
  name: z.string().trim().min(1).max(200),
  timeZone: timeZoneSchema.describe('IANA zone the schedule is read in'),
  /** Lowest first: a later layer wins wherever it covers. */
  layers: z.array(layerInputSchema).min(1).max(10).describe('Rotations, lowest first; a later layer wins where it covers'),
});
export type ScheduleInput = z.input<typeof scheduleInputSchema>;

/** A person covers a range instead of whoever the layers say. */
export interface Override {
  id: string;
  personId: string;
  start: Date;
  end: Date;
  createdBy: string;
  createdAt: Date;
}

export const overrideInputSchema = z
  .object({
    personId: objectIdSchema,
    start: z.coerce.date({ message: 'expected an ISO 8601 instant' }),
    end: z.coerce.date({ message: 'expected an ISO 8601 instant' }),
  })
  .refine((o) => o.end > o.start, { message: 'end must be after start', path: ['end'] });

export interface Schedule {
  id: string;
  teamId: string;
  name: string;
  timeZone: string;
  layers: Layer[];
  overrides: Override[];
  createdAt: Date;
  updatedAt: Date;
}

/** The rotation part of a schedule: what an escalation freezes when it starts. */
export type ScheduleDefinition = Pick<Schedule, 'id' | 'teamId' | 'name' | 'timeZone' | 'layers'>;

/** A stretch of time and who covers it; `personId` null is a gap in coverage. */
export interface Shift {
  start: Date;
  end: Date;
  personId: string | null;
  source: 'layer' | 'override' | 'gap';
  /** Name of the layer, or the override id. */
  from: string | null;
}

// ---- escalation policies and routing ----

export const ALERT_SOURCES = ['kpi', 'alertmanager', 'events', 'blocker'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

export const URGENCIES = ['high', 'low'] as const;
export type Urgency = (typeof URGENCIES)[number];

export const stepTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('oncall'), scheduleId: z.string().min(1).describe('Schedule whose on-call person is notified') }),
  z.object({ kind: z.literal('person'), personId: objectIdSchema }),
  z.object({ kind: z.literal('manager').describe("The alert team's manager") }),
  z.object({ kind: z.literal('role'), role: z.enum(ROLES).describe("People holding this role in the team or its manager's chain") }),
  z.object({ kind: z.literal('channel').describe("Post to the alert team's channel") }),
]);
export type StepTarget = z.output<typeof stepTargetSchema>;

export const policyInputSchema = z.object({
  name: z.string().trim().min(1).max(200),
  steps: z
    .array(z.object({ delayMinutes: z.number().int().min(0).max(24 * 60).describe('Wait after the previous step (the first: after the alert opens)'), target: stepTargetSchema }))
    .min(1)
    .max(20),
  /** How many times the whole chain runs again after its last step. */
  repeat: z.number().int().min(0).max(10).default(0).describe('Times the chain repeats after its last step'),
  urgency: z.enum(URGENCIES).default('high').describe('high: notify at any hour; low: within the person’s working hours'),
});
export type PolicyInput = z.input<typeof policyInputSchema>;

export interface EscalationPolicy extends z.output<typeof policyInputSchema> {
  id: string;
  createdAt: Date;
  updatedAt: Date;
}

export const routingRuleSchema = z.object({
  teamId: objectIdSchema.optional().describe('Only alerts of this team'),
  sources: z.array(z.enum(ALERT_SOURCES)).min(1).optional().describe('Only alerts from these sources'),
  severities: z.array(z.string().trim().min(1).max(40)).min(1).optional().describe('Only alerts of these severities'),
  policyId: z.string().min(1),
});
export type RoutingRule = z.output<typeof routingRuleSchema>;

export const routingInputSchema = z.object({
  rules: z.array(routingRuleSchema).max(200).describe('Checked in order; the first match picks the policy'),
  defaultPolicyId: z.string().min(1).nullable().describe('Policy of alerts no rule matches'),
});
export type Routing = z.output<typeof routingInputSchema>;

/** What the on-call feature needs from the store. Every lookup is by `_id`. */
export interface OncallRepository {
  getSchedule(id: string): Promise<Schedule | null>;
  /** The schedule of a team, through a team-keyed pointer. */
  scheduleOfTeam(teamId: string): Promise<Schedule | null>;
  /** Throws DomainError('conflict') when the team has a schedule already. */
  createSchedule(input: Omit<ScheduleDefinition, 'id'>): Promise<Schedule>;
  updateSchedule(id: string, patch: Partial<Pick<Schedule, 'name' | 'timeZone' | 'layers'>>): Promise<Schedule>;
  removeSchedule(id: string): Promise<boolean>;
  listSchedules(): Promise<Schedule[]>;
  /** Adds an override in one atomic update; drops overrides that ended before `pruneBefore`. */
  addOverride(scheduleId: string, override: Override, pruneBefore: Date): Promise<Schedule>;
  removeOverride(scheduleId: string, overrideId: string): Promise<Schedule>;

  getPolicy(id: string): Promise<EscalationPolicy | null>;
  listPolicies(): Promise<EscalationPolicy[]>;
  createPolicy(input: z.output<typeof policyInputSchema>): Promise<EscalationPolicy>;
  updatePolicy(id: string, input: z.output<typeof policyInputSchema>): Promise<EscalationPolicy>;
  removePolicy(id: string): Promise<boolean>;
  routing(): Promise<Routing>;
  setRouting(routing: Routing): Promise<Routing>;
}
