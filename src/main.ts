import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import type { DestinationStream, Logger } from 'pino';
import client from 'prom-client';
import { createAdapters } from './adapters/index.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { OffsetClock, systemClock, type Clock } from './core/clock.js';
import { createCore, type Core, type CorePorts } from './core/index.js';
import { createAdminApi } from './http/admin/api.js';
import { adminRoutes } from './http/admin/routes.js';
import { createHttpApp, HttpServer } from './http/server.js';
import { createIntakes } from './http/integrations.js';
import { scorecardImages } from './http/scorecard-images.js';
import { HostedPictures, PICTURE_PATH, pictureBytes } from './render/pictures.js';
import { demoBreachJobs } from './core/kpis/demo-breach.js';
import { kpiJobs } from './core/kpis/kpis.jobs.js';
import { checkinJobs } from './core/checkins/checkins.jobs.js';
import { oncallJobs } from './core/oncall/oncall.jobs.js';
import { escalationJobs } from './core/oncall/escalation.jobs.js';
import { scorecardJobs } from './core/scorecards/scorecards.jobs.js';
import { recognitionJobs } from './core/recognition/recognition.jobs.js';
import { governanceJobs } from './core/governance/governance.jobs.js';
import { surveyJobs } from './core/surveys/surveys.jobs.js';
import { RedisInvalidation } from './jobs/invalidation.js';
import { checkRedisDurability, closeRedis } from './jobs/redis.js';
import { registerJobs } from './jobs/register.js';
import { Jobs } from './jobs/scheduler.js';
import { createLogger } from './logger.js';
import { CACHE_KINDS } from './store/cache.js';
import { connectMongo, pingMongo } from './store/connection.js';
import { createStore, type Store } from './store/index.js';
import { syncIndexes } from './store/models.js';

export interface Tandem {
  config: Config;
  url: string;
  address: AddressInfo;
  core: Core;
  store: Store;
  jobs: Jobs;
  redis: Redis;
  metrics: client.Registry;
  /** Graceful shutdown: stop accepting, finish in-flight requests and jobs, close connections. */
  stop(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  /** Start BullMQ workers in this process (default true); also whether a request judges the KPI samples it stored (else the kpis job does) and runs a new alert's first escalation step (else its job does). */
  workers?: boolean;
  /** The logger to use instead of one made from the config (tests read what is logged). */
  logger?: Logger;
  /** What the scorecard reads from the KPI, alert and pulse features; absent ones show "not set up". */
  scorecardSources?: Pick<CorePorts, 'kpiSource' | 'alertFigures' | 'pulse'>;
  /** Where log lines go instead of stdout (tests read them). */
  logStream?: DestinationStream;
}

/** Used only outside production when SURVEY_SECRET is unset (with a warning at boot). */
const DEV_SURVEY_SECRET = 'tandem-development-survey-secret-not-for-production';

/** The composition root: config -> store -> queues -> core -> adapters -> HTTP server -> workers. */
export async function startTandem(config: Config, options: StartOptions = {}): Promise<Tandem> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL, { pretty: config.NODE_ENV === 'development', ...(options.logStream ? { destination: options.logStream } : {}) });
  // In demo mode time is movable (the console's demo clock), unless the caller brings its own clock.
  const clock = options.clock ?? (config.DEMO_MODE ? new OffsetClock() : systemClock);
  const demoClock = config.DEMO_MODE && clock instanceof OffsetClock ? clock : undefined;

  const conn: Connection = await connectMongo(config.MONGODB_URI, logger);
  const store = createStore(conn);
  const moved = await syncIndexes(conn);
  if (Object.keys(moved).length) logger.info({ moved }, 'store: collections moved to their feature database');
  // Accounts a crash lost after a new person's answer (see IdentityRepository.link), written before any job sends a DM.
  const repaired = await store.identities.repairAccounts();
  if (repaired > 0) logger.warn({ accounts: repaired }, 'wrote the platform accounts of people linked just before a crash');

  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
  redis.on('error', (err) => logger.debug({ err: err.message }, 'redis connection error'));
  await redis.connect();
  await checkRedisDurability(redis, logger);
  const metrics = new client.Registry();
  client.collectDefaultMetrics({ register: metrics });
  const jobs = new Jobs(redis, { prefix: config.QUEUE_PREFIX, logger, clock, registry: metrics });
  const invalidation = new RedisInvalidation(redis, `${config.QUEUE_PREFIX}:cache:invalidate`, logger);
  await invalidation.start();

  // The store's cache (people, identities, teams, on-call, silences, integrations) follows changes made by other processes (a null key: drop all).
  for (const kind of CACHE_KINDS) {
    invalidation.subscribe(`store.${kind}`, (key) => (key === null ? store.cache.clear() : store.cache.drop(kind, key)));
  }
  store.cache.onInvalidate((kind, key) => void invalidation.publish(`store.${kind}`, key));
  if (!config.SURVEY_SECRET) logger.warn('SURVEY_SECRET is not set: survey answers in progress are keyed with a fixed development secret');
  const surveyConfig = { secret: config.SURVEY_SECRET ?? DEV_SURVEY_SECRET, minGroupSize: config.SURVEY_MIN_GROUP, fatigueDays: config.SURVEY_FATIGUE_DAYS };
  let selfUrl = '';
  const pictures = new HostedPictures({ images: store.scorecardImages, clock, logger }, () => config.PUBLIC_URL ?? selfUrl);
  const core = createCore({ ...store, scorecardPicture: pictures.scorecard, surveyPicture: pictures.survey, ...options.scorecardSources, surveyConfig, scheduler: jobs, clock, logger, invalidation, retentionDays: config.RETENTION_DAYS, inlineKpiDetection: options.workers !== false, firstStepInProcess: options.workers !== false });
  for (const kind of store.retentionKinds) core.governance.retention.register(kind);
  core.governance.retention.check();
  const reconciler = await registerJobs(jobs, [
    checkinJobs(core.checkins),
    recognitionJobs(core.recognition),
    oncallJobs(core.oncall),
    escalationJobs(core.escalation, core.pagesFirst),
    kpiJobs(core.kpis),
    scorecardJobs(core.scorecards, { pagesFirst: core.pagesFirst, logger }),
    surveyJobs(core.surveys),
    governanceJobs({ retention: core.governance.retention, audit: core.audit }),
    // Demo mode only: a daily KPI breach the demo clock can reach, to watch an escalation in the console.
    ...(config.DEMO_MODE ? [demoBreachJobs({ kpis: core.kpis, scheduler: jobs, clock, logger })] : []),
  ], { redis, intervalMs: config.RECONCILE_INTERVAL_MS });

  const stores = { teamsConversations: store.teamsConversations, consoleMessages: store.consoleMessages, processingClaims: store.processingClaims };
  const picture = (url: string) => pictureBytes(store.scorecardImages, clock.now(), url);
  const adapters = await createAdapters({ config, logger, core, stores, redis, jobs, picture, ...(demoClock ? { demoClock } : {}) });
  for (const adapter of adapters) core.messenger.register(adapter.chat);

  const listener = createHttpApp({
    logger,
    registry: metrics,
    readiness: {
      mongodb: () => pingMongo(conn),
      redis: async () => redis.status === 'ready' && (await redis.ping()) === 'PONG',
    },
    mount: (app) => {
      app.use(PICTURE_PATH, scorecardImages(store.scorecardImages, clock));
      app.use('/api/v1', createAdminApi({ ctx: { core, tokens: store.tokens }, bodyLimit: config.ADMIN_BODY_LIMIT, routes: adminRoutes }));
      for (const adapter of adapters) adapter.mount?.(app);
    },
    routes: Object.assign(createIntakes(core, logger), ...adapters.map((a) => a.routes ?? {})),
  });

  const server = new HttpServer(listener);
  const address = await server.listen(config.PORT, config.HOST);
  for (const adapter of adapters) await adapter.start?.();
  if (options.workers !== false) jobs.start();
  const url = `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;
  selfUrl = url;
  logger.info({ url, platforms: core.messenger.platforms }, 'tandem is up');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const deadline = Date.now() + config.SHUTDOWN_TIMEOUT_MS;
      logger.info({ inFlight: server.pending }, 'shutting down');
      for (const adapter of adapters) adapter.drain?.();
      await server.close(deadline);
      for (const adapter of adapters) await adapter.stop?.();
      await reconciler.stop();
      await jobs.close(() => core.escalation.settle(deadline));
      // Before Redis closes: the batched writes tell other processes' caches what they changed (store.account).
      await store.flush().catch((err: unknown) => logger.error({ err }, 'could not write the last-seen times'));
      await invalidation.stop();
      await closeRedis(redis);
      await conn.close();
      // The driver resolves once it has destroyed its sockets; their handles are released in the event loop's next
      // close phase, so one turn of the loop later nothing of MongoDB's is left open.
      await new Promise((resolve) => setTimeout(resolve, 0));
      logger.info('stopped');
      // Whatever still holds the event loop open here would keep the process alive after main() ends.
      logger.debug({ resources: process.getActiveResourcesInfo() }, 'active resources after stop');
    })());

  return { config, url, address, core, store, jobs, redis, metrics, stop };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tandem: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const tandem = await startTandem(config);
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`tandem: ${signal} received, shutting down\n`);
    // The process ends by itself once stop() has closed every server, connection and timer;
    // this timer (unref'd, so it never keeps it alive) only fires if something was left open.
    setTimeout(() => {
      process.stderr.write(`tandem: still running ${config.SHUTDOWN_TIMEOUT_MS + 1_000} ms after ${signal}; open: ${process.getActiveResourcesInfo().join(', ')}\n`);
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS + 1_000).unref();
    tandem.stop().then(
      () => {
        process.exitCode = 0;
      },
      (err: unknown) => {
        process.stderr.write(`tandem: shutdown failed: ${err instanceof Error ? err.stack : String(err)}\n`);
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`tandem: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
