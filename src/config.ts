import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const url = (protocols: RegExp, example: string) =>
  z.url({ protocol: protocols, message: `expected a URL like ${example}` });

/**
 * Every environment variable Tandem reads. The README's configuration table is
 * checked against this schema by a test, so a variable added here must be
 * documented there.
 */
export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1').describe('Interface the HTTP server listens on'),
    PORT: z.coerce.number({ message: 'expected a port number' }).int().min(0).max(65535).default(3000).describe('HTTP port (0 picks a free one)'),
    PUBLIC_URL: url(/^https?$/, 'https://tandem.example.com').optional().describe('URL people reach Tandem at; shown in links'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
    MONGODB_URI: url(/^mongodb(\+srv)?$/, 'mongodb://127.0.0.1:27017/tandem').default('mongodb://127.0.0.1:27017/tandem').describe('MongoDB 7 or FerretDB connection string'),
    REDIS_URL: url(/^rediss?$/, 'redis://127.0.0.1:6379').default('redis://127.0.0.1:6379').describe('Redis 7 for BullMQ queues'),
    QUEUE_PREFIX: z.string().regex(/^[a-z0-9_-]+$/i, 'expected letters, digits, _ or -').default('tandem').describe('Prefix of every BullMQ key in Redis'),
    RECONCILE_INTERVAL_MS: z.coerce
      .number({ message: 'expected a number of milliseconds' })
      .int()
      .min(1_000)
      .max(86_400_000)
      .default(600_000)
      .describe('How often each process rebuilds schedules and due work in Redis from the database'),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000).describe('Longest graceful shutdown before exit'),
    ADMIN_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/, 'expected a size like 100kb').default('100kb').describe('Largest admin API request body'),
    SLACK_SIGNING_SECRET: z.string().min(1).optional().describe('Slack app signing secret; Slack is off without it'),
    SLACK_BOT_TOKEN: z.string().regex(/^xoxb-/, 'expected a bot token starting xoxb-').optional().describe('Slack bot token'),
    SLACK_APP_TOKEN: z.string().regex(/^xapp-/, 'expected an app-level token starting xapp-').optional().describe('Slack app token; turns on Socket Mode'),
    SLACK_API_URL: url(/^https?$/, 'https://slack.com/api/').optional().describe('Slack Web API base URL (tests point it at a fake)'),
    MICROSOFT_APP_ID: z.string().min(1).optional().describe('Bot Framework app id; without it Teams runs open like the Emulator'),
    MICROSOFT_APP_PASSWORD: z.string().min(1).optional().describe('Bot Framework app password'),
    MICROSOFT_APP_TENANT_ID: z.string().min(1).optional().describe('Tenant for a single-tenant bot'),
    MICROSOFT_APP_TYPE: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant').describe('Bot Framework app type'),
    TEAMS_ENABLED: bool.optional().describe('Serve Teams at /api/messages (default: on outside production; in production, on once MICROSOFT_APP_ID is set)'),
    TEAMS_ALLOW_UNAUTHENTICATED: bool
      .default(false)
      .describe('Production only: run Teams without Bot Framework credentials (refused otherwise; replies then go only to TEAMS_SERVICE_URLS)'),
    TEAMS_SERVICE_URLS: z
      .string()
      .default('https://smba.trafficmanager.net/')
      .transform((s, ctx) => {
        const list = s.split(',').map((u) => u.trim()).filter(Boolean);
        for (const u of list) if (!/^https?:\/\/[^/]+\//.test(u)) ctx.addIssue({ code: 'custom', message: `expected URL prefixes like https://smba.trafficmanager.net/, got "${u}"` });
        return list;
      })
      .describe('Unauthenticated production Teams only: comma-separated serviceUrl prefixes replies may go to'),
    CONSOLE_ENABLED: bool.optional().describe('Serve the local console at /console (default: on outside production)'),
    DEMO_MODE: bool.default(false).describe('Demo clock controls in the console'),
    RETENTION_DAYS: z
      .string()
      .regex(/^\s*([a-z-]+=\d+\s*(,\s*|$))*$/, 'expected kind=days pairs such as kudos=730,checkins=365')
      .default('')
      .transform((v) => Object.fromEntries([...v.matchAll(/([a-z-]+)=(\d+)/g)].map((m) => [m[1], Number(m[2])])) as Record<string, number>)
      .describe('Retention periods in days by kind of record, overriding the defaults'),
    SURVEY_SECRET: z.string().min(32, 'expected at least 32 characters (e.g. openssl rand -hex 32)').optional().describe('Server secret keying in-progress survey responses; required in production'),
    SURVEY_MIN_GROUP: z.coerce.number({ message: 'expected a number' }).int().min(3, 'never below 3').max(100).default(5).describe('Fewest respondents a survey group needs before any figure is shown'),
    SURVEY_FATIGUE_DAYS: z.coerce.number({ message: 'expected a number' }).int().min(0).max(90).default(7).describe('Nobody gets more than one survey in this many days'),
  })
  .superRefine((c, ctx) => {
    if (Boolean(c.SLACK_SIGNING_SECRET) !== Boolean(c.SLACK_BOT_TOKEN)) {
      ctx.addIssue({
        code: 'custom',
        path: [c.SLACK_SIGNING_SECRET ? 'SLACK_BOT_TOKEN' : 'SLACK_SIGNING_SECRET'],
        message: 'Slack needs both SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN, or neither',
      });
    }
    if (c.MICROSOFT_APP_ID && !c.MICROSOFT_APP_PASSWORD && c.MICROSOFT_APP_TYPE !== 'UserAssignedMSI') {
      ctx.addIssue({ code: 'custom', path: ['MICROSOFT_APP_PASSWORD'], message: 'required when MICROSOFT_APP_ID is set' });
    }
    if (c.MICROSOFT_APP_TYPE === 'SingleTenant' && !c.MICROSOFT_APP_TENANT_ID) {
      ctx.addIssue({ code: 'custom', path: ['MICROSOFT_APP_TENANT_ID'], message: 'required when MICROSOFT_APP_TYPE is SingleTenant' });
    }
    if (c.NODE_ENV === 'production' && c.TEAMS_ENABLED === true && !c.MICROSOFT_APP_ID && !c.TEAMS_ALLOW_UNAUTHENTICATED) {
      ctx.addIssue({
        code: 'custom',
        path: ['MICROSOFT_APP_ID'],
        message:
          'Teams is on in production without Bot Framework credentials, so anyone could post activities as anyone: set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD, or TEAMS_ENABLED=false (or, knowingly, TEAMS_ALLOW_UNAUTHENTICATED=true)',
      });
    }
    if (!c.SURVEY_SECRET && c.NODE_ENV === 'production') {
      ctx.addIssue({ code: 'custom', path: ['SURVEY_SECRET'], message: 'required in production: it keeps survey answers unlinkable to people' });
    }
    if (c.DEMO_MODE && c.NODE_ENV === 'production') {
      ctx.addIssue({ code: 'custom', path: ['DEMO_MODE'], message: 'the demo clock must not run in production' });
    }
  })
  .transform((c) => ({
    ...c,
    CONSOLE_ENABLED: c.CONSOLE_ENABLED ?? c.NODE_ENV !== 'production',
    TEAMS_ENABLED: c.TEAMS_ENABLED ?? (c.NODE_ENV !== 'production' || Boolean(c.MICROSOFT_APP_ID)),
  }));

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') input[k] = v;
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = i.path.join('.') || '(environment)';
        const got = typeof i.path[0] === 'string' && input[i.path[0]] !== undefined && !/SECRET|TOKEN|PASSWORD/.test(i.path[0]) ? ` (got "${input[i.path[0]]}")` : '';
        return `${name}: ${i.message}${got}`;
      }),
    );
  }
  return parsed.data;
}

/** Names and descriptions of every variable, for the README table check. */
export function configVariables(): { name: string; description: string }[] {
  const shape = configSchema.in.shape;
  return Object.entries(shape).map(([name, schema]) => ({ name, description: schema.description ?? '' }));
}
