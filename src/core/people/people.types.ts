import { z } from 'zod';
import { IANAZone } from 'luxon';
import { plainText } from '../text.js';

export const ROLES = ['employee', 'manager', 'leader', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const PLATFORMS = ['slack', 'teams', 'console'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** ISO weekday numbers, Monday = 1 … Sunday = 7 (luxon's `weekday`). */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/**
 * Zones already found valid. Luxon checks a zone by building an Intl.DateTimeFormat, which costs more than
 * the rest of a person's validation; the IANA names are a few hundred, so the set stays small (and is capped).
 */
const validZones = new Set<string>();
const isValidZone = (tz: string): boolean => {
  if (validZones.has(tz)) return true;
  if (!IANAZone.isValidZone(tz)) return false;
  if (validZones.size < 2_000) validZones.add(tz);
  return true;
};

export const timeZoneSchema = z.string().refine(isValidZone, { message: 'expected an IANA time zone such as Europe/Paris' });

export const objectIdSchema = z.string().regex(/^[a-f0-9]{24}$/, 'expected an id of 24 hex characters');

export const personInputSchema = z.object({
  name: plainText(z.string().trim().min(1).max(200)),
  email: z.email().max(320).transform((e) => e.toLowerCase()),
  timeZone: timeZoneSchema.default('UTC'),
  workingDays: z
    .array(z.number().int().min(1).max(7))
    .min(1)
    .max(7)
    .refine((d) => new Set(d).size === d.length, { message: 'working days must not repeat' })
    .default([1, 2, 3, 4, 5])
    .transform((d) => [...d].sort() as Weekday[]),
  managerId: objectIdSchema.nullable().default(null),
  roles: z.array(z.enum(ROLES)).min(1).default(['employee']).transform((r) => [...new Set(r)]),
  active: z.boolean().default(true),
});
export type PersonInput = z.input<typeof personInputSchema>;

export interface Person {
  id: string;
  name: string;
  email: string;
  timeZone: string;
  workingDays: Weekday[];
  managerId: string | null;
  roles: Role[];
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** Where a team's posts go on each platform. */
export interface TeamChannels {
  slack?: { teamId: string; channelId: string };
  teams?: { conversationId: string };
  console?: { channelId: string };
}

export const teamChannelsSchema = z
  .object({
    slack: z.object({ teamId: z.string().min(1), channelId: z.string().min(1) }).optional(),
    teams: z.object({ conversationId: z.string().min(1) }).optional(),
    console: z.object({ channelId: z.string().min(1) }).optional(),
  })
  .default({});

export const teamInputSchema = z.object({
  name: plainText(z.string().trim().min(1).max(200)),
  managerId: objectIdSchema.nullable().default(null),
  memberIds: z
    .array(objectIdSchema)
    .max(5000)
    .default([])
    .transform((m) => [...new Set(m)]),
  channels: teamChannelsSchema,
});
export type TeamInput = z.input<typeof teamInputSchema>;

export interface Team {
  id: string;
  name: string;
  managerId: string | null;
  memberIds: string[];
  channels: TeamChannels;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A person's account on a chat platform. `key` is unique across Tandem:
 * slack:<team id>:<user id>, teams:<tenant id>:<AAD object id>, console:<person id>.
 */
export type PlatformIdentity =
  | { platform: 'slack'; personId: string; key: string; teamId: string; userId: string }
  | { platform: 'teams'; personId: string; key: string; tenantId: string; aadObjectId: string; userId: string }
  | { platform: 'console'; personId: string; key: string };

export const identityKey = {
  slack: (teamId: string, userId: string) => `slack:${teamId}:${userId}`,
  teams: (tenantId: string, aadObjectId: string) => `teams:${tenantId}:${aadObjectId}`,
  console: (personId: string) => `console:${personId}`,
};

/** What an adapter knows of a platform user when they first talk to Tandem. */
export interface PlatformProfile {
  name?: string;
  email?: string;
  timeZone?: string;
  isBot?: boolean;
}
