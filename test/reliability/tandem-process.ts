/**
 * Tandem as a real child process for the reliability probes: configured by its environment like production,
 * with an optional fixed clock (TEST_NOW, an ISO instant) so scheduled work is due. Prints `ready` on stdout
 * once it serves and its workers run. The probes kill it with SIGKILL; SIGTERM stops it gracefully.
 */
import { configSchema } from '../../src/config.js';
import { startTandem } from '../../src/main.js';

const now = process.env.TEST_NOW ? new Date(process.env.TEST_NOW) : undefined;
const tandem = await startTandem(configSchema.parse(process.env), now ? { clock: { now: () => now } } : {});
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void tandem.stop().then(() => process.exit(0));
});
