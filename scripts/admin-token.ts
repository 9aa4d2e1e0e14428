/** `npm run admin:token -- --name NAME --scopes people:read,people:write` | `--revoke NAME` | `--list` */
import { ConfigError, loadConfig } from '../src/config.js';
import { AuditLog } from '../src/core/audit.js';
import { systemClock } from '../src/core/clock.js';
import { adminRoutes } from '../src/http/admin/routes.js';
import { runTokenCommand } from '../src/http/admin/token-command.js';
import { knownScopes } from '../src/http/admin/tokens.js';
import { createLogger } from '../src/logger.js';
import { connectMongo } from '../src/store/connection.js';
import { createStore } from '../src/store/index.js';
import { syncIndexes } from '../src/store/models.js';

async function main(): Promise<number> {
  const config = loadConfig();
  const logger = createLogger('error');
  const conn = await connectMongo(config.MONGODB_URI, logger);
  try {
    const store = createStore(conn);
    await syncIndexes(conn);
    const audit = new AuditLog({ audit: store.audit, clock: systemClock, logger });
    const result = await runTokenCommand(process.argv.slice(2), { tokens: store.tokens, scopes: knownScopes(adminRoutes), now: () => new Date(), audit });
    if (result.ok) process.stdout.write(`${result.output}\n`);
    else process.stderr.write(`admin:token: ${result.error}\n`);
    return result.ok ? 0 : 1;
  } finally {
    await conn.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`admin:token: ${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
