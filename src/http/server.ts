import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type Request } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger as PinoLogger } from 'pino';
import client from 'prom-client';
import { errorHandler, sendError } from './errors.js';

export interface Readiness {
  [dependency: string]: () => Promise<boolean>;
}

/**
 * Tandem's one HTTP request listener. `routes` (`METHOD /path`: Slack's
 * receiver, the alert intakes) are served first, straight from node:http,
 * timed and logged here;
 * everything else goes to express, where adapters mount their routes (Teams
 * /api/messages, console, admin API) between the health routes and the error
 * handler via `mount`.
 */
export function createHttpApp(opts: {
  logger: PinoLogger;
  registry: client.Registry;
  readiness: Readiness;
  mount: (app: Express) => void;
  routes?: Readonly<Record<string, http.RequestListener>>;
}): http.RequestListener {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  const requests = new client.Histogram({
    name: 'tandem_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [opts.registry],
  });

  app.use(
    pinoHttp({
      logger: opts.logger,
      genReqId: requestId,
      autoLogging: { ignore: (req) => req.url === '/readyz' || req.url === '/metrics' },
      serializers: { req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url.split('?')[0] }) },
    }),
  );
  app.use((req, res, next) => {
    const end = requests.startTimer({ method: req.method });
    res.on('finish', () => end({ route: routeLabel(req), status: String(res.statusCode) }));
    next();
  });

  app.get('/readyz', async (_req, res) => {
    const entries = await Promise.all(Object.entries(opts.readiness).map(async ([name, check]) => [name, await check().catch(() => false)] as const));
    const checks = Object.fromEntries(entries.map(([n, ok]) => [n, ok ? 'up' : 'down']));
    const ready = entries.every(([, ok]) => ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', opts.registry.contentType);
    res.send(await opts.registry.metrics());
  });

  opts.mount(app);

  app.use((req, res) => sendError(res, 404, 'not_found', `No route for ${req.method} ${req.path}`));
  app.use(errorHandler);

  const routes = new Map(Object.entries(opts.routes ?? {}).map(([key, listener]) => [key, directRoute(key, listener, requests, opts.logger)]));
  const healthz = requests.labels({ method: 'GET', route: '/healthz', status: '200' });
  return (req, res) => {
    const path = req.url?.split('?', 1)[0] ?? '';
    // Liveness, probed often (load balancers, compose): answered here, not logged, counted.
    if (path === '/healthz' && req.method === 'GET') {
      const end = healthz.startTimer();
      requestId(req, res);
      res.writeHead(200, HEALTHY_HEADERS).end(HEALTHY);
      end();
      return;
    }
    // As express's routing does (not strict), a trailing slash is the same route.
    const route = routes.get(`${req.method} ${path}`) ?? (path.length > 1 && path.endsWith('/') ? routes.get(`${req.method} ${path.slice(0, -1)}`) : undefined);
    if (route) route(req, res);
    else void app(req, res);
  };
}

/**
 * A route served straight from node:http, wrapped as express and pino-http
 * would: the request id echoed, the duration observed under the route's own
 * label (the series of each status made once, not looked up by labels on
 * every request), and "request completed" logged, built only when info is on.
 */
function directRoute(key: string, listener: http.RequestListener, requests: client.Histogram<'method' | 'route' | 'status'>, logger: PinoLogger): http.RequestListener {
  const [method = '', route = ''] = key.split(' ');
  const byStatus = new Map<number, client.Histogram.Internal<'method' | 'route' | 'status'>>();
  const observe = (status: number, seconds: number) => {
    let series = byStatus.get(status);
    if (!series) byStatus.set(status, (series = requests.labels({ method, route, status: String(status) })));
    series.observe(seconds);
  };
  return (req, res) => {
    const started = performance.now();
    const id = requestId(req, res);
    res.once('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      observe(res.statusCode, seconds);
      if (logger.isLevelEnabled('info')) logger.info({ req: { id, method, url: route }, res: { statusCode: res.statusCode }, responseTime: Math.round(seconds * 1000) }, 'request completed');
    });
    listener(req, res);
  };
}

const HEALTHY = JSON.stringify({ status: 'ok' });
const HEALTHY_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(HEALTHY)) };

/** The request's id: the caller's `x-request-id` when it is a sane one, else a new UUID; echoed in the response. */
function requestId(req: http.IncomingMessage, res: http.ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
  res.setHeader('x-request-id', id);
  return id;
}

/**
 * The metric label of a request: the route template that matched (with its
 * router's mount path, e.g. `/api/v1/people/:id`), never the raw path, and
 * one `unmatched` label for everything no route matched (404s, static files),
 * so callers cannot grow the number of series.
 */
export const UNMATCHED_ROUTE = 'unmatched';
function routeLabel(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : UNMATCHED_ROUTE;
}

/** How long an idle keep-alive connection is kept open (see HttpServer). */
export const KEEP_ALIVE_MS = 65_000;

/**
 * An HTTP server that shuts down gracefully: stop accepting, let in-flight
 * requests finish, close idle keep-alive sockets, and force-close whatever
 * remains when the deadline passes.
 */
export class HttpServer {
  private readonly server: http.Server;
  private inFlight = 0;
  private closing = false;

  constructor(listener: http.RequestListener) {
    this.server = http.createServer(listener);
    // Idle keep-alive sockets are kept longer than senders and load balancers keep theirs (Node closes them after
    // 5 s): a request written on a socket the server is closing fails with a reset. Alertmanager's webhooks lost 5
    // to 9 of 60,000 alerts so in the benchmark; AWS's balancers keep theirs 60 s.
    this.server.keepAliveTimeout = KEEP_ALIVE_MS;
    this.server.headersTimeout = KEEP_ALIVE_MS + 1_000;
    this.server.on('request', (_req, res) => {
      this.inFlight += 1;
      res.on('close', () => {
        this.inFlight -= 1;
        // While closing, a keep-alive socket whose last response just ended must not hold the close until the deadline.
        if (this.closing) setImmediate(() => this.server.closeIdleConnections());
      });
    });
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve(this.server.address() as AddressInfo));
    });
  }

  get pending(): number {
    return this.inFlight;
  }

  async close(deadline: number): Promise<void> {
    if (!this.server.listening) return;
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const timer = setTimeout(() => this.server.closeAllConnections(), Math.max(0, deadline - Date.now()));
    await closed;
    clearTimeout(timer);
  }
}
