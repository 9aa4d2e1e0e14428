import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema, configVariables } from '../../src/config.js';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[]; interval?: string };
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const dockerfile = readFileSync('Dockerfile', 'utf8');
const { services } = compose;

describe('docker-compose.yml and Dockerfile', () => {
  it('runs MongoDB 7 and Redis 7 with volumes and health checks', () => {
    expect(Object.keys(services).sort()).toEqual(['mongodb', 'redis', 'tandem']);
    expect(services.mongodb?.image).toBe('mongo:7');
    expect(services.mongodb?.healthcheck?.test.join(' ')).toMatch(/mongosh .*ping/);
    expect(services.mongodb?.volumes?.[0]).toMatch(/:\/data\/db$/);
    expect(services.redis?.image).toBe('redis:7');
    expect(services.redis?.healthcheck?.test.join(' ')).toContain('redis-cli ping');
    expect(services.redis?.volumes?.[0]).toMatch(/:\/data$/);
    for (const v of [...(services.mongodb?.volumes ?? []), ...(services.redis?.volumes ?? [])]) expect(Object.keys(compose.volumes)).toContain(v.split(':')[0]);
  });

  it('configures Redis for BullMQ: no eviction, persistence on', () => {
    const cmd = services.redis?.command?.join(' ') ?? '';
    expect(cmd).toContain('--maxmemory-policy noeviction');
    expect(cmd).toContain('--appendonly yes');
    expect(cmd).toContain('--appendfsync everysec');
  });

  it('builds Tandem from the Dockerfile, waits for healthy stores and checks /readyz', () => {
    const tandem = services.tandem;
    expect(tandem?.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    expect(tandem?.depends_on).toEqual({ mongodb: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    expect(tandem?.healthcheck?.test.join(' ')).toContain('/readyz');
    expect(tandem?.ports?.some((p) => /:3000$/.test(p))).toBe(true);
    // Only Tandem is published; the stores stay on the compose network.
    expect(services.mongodb?.ports).toBeUndefined();
    expect(services.redis?.ports).toBeUndefined();
  });

  it('gives Tandem only variables of the config schema, including what production needs', () => {
    const env = services.tandem?.environment ?? {};
    const known = new Set(configVariables().map((v) => v.name));
    for (const key of Object.keys(env)) expect(known, `${key} is not a Tandem variable`).toContain(key);
    expect(env).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0', PORT: '3000', MONGODB_URI: 'mongodb://mongodb:27017/tandem', REDIS_URL: 'redis://redis:6379' });
    // Teams is off in production until credentials are given (Tandem refuses it on without them).
    expect(env.TEAMS_ENABLED).toBe('${TEAMS_ENABLED:-}');
    for (const key of ['SLACK_SIGNING_SECRET', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'MICROSOFT_APP_ID', 'MICROSOFT_APP_PASSWORD', 'MICROSOFT_APP_TENANT_ID']) {
      expect(env[key]).toBe(`\${${key}:-}`);
    }
    // Required variables have no default in the schema: all of them must be given.
    const required = Object.entries(configSchema.in.shape).filter(([, s]) => !s.safeParse(undefined).success).map(([k]) => k);
    for (const key of required) expect(Object.keys(env)).toContain(key);
    // With the pass-through variables empty (as compose gives them when unset), the config is valid.
    const resolved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace(/\$\{\w+:-([^}]*)\}/g, '$1')]).filter(([, v]) => v !== ''));
    expect(configSchema.safeParse(resolved).success).toBe(true);
  });

  it('builds in two stages and runs as the non-root node user with a health check', () => {
    const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\w+))?/gim)].map((m) => ({ image: m[1], name: m[2] }));
    expect(stages).toEqual([{ image: 'node:20-slim', name: 'build' }, { image: 'node:20-slim', name: 'runtime' }]);
    const runtime = dockerfile.slice(dockerfile.search(/^FROM .* AS runtime/m));
    expect(dockerfile.slice(0, dockerfile.search(/^FROM .* AS runtime/m))).toMatch(/npm ci[\s\S]*npm run build/);
    expect(runtime).toMatch(/npm ci --omit=dev/);
    expect(runtime).toMatch(/COPY --from=build \/app\/dist/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(runtime).toMatch(/^CMD \["node", "dist\/src\/main\.js"\]/m);
    // Every path the image copies from the repository exists.
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const src of (m[1] ?? '').split(/\s+/)) expect(existsSync(src), `COPY ${src}`).toBe(true);
    }
  });

  it('documents in .env.example only variables of the config schema, and the demo script\'s stack ports', () => {
    const demo = readFileSync('scripts/demo.sh', 'utf8');
    const stackPorts = ['MONGODB_PORT', 'FERRETDB_LISTEN', 'REDIS_PORT'];
    for (const name of stackPorts) expect(demo, `scripts/demo.sh reads ${name}`).toContain(name);
    const known = new Set([...configVariables().map((v) => v.name), ...stackPorts]);
    const names = [...readFileSync('.env.example', 'utf8').matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(known, `${name} in .env.example`).toContain(name);
  });
});
