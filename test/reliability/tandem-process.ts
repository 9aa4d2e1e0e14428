/**
 * Tandem as a real child process for the reliability probes: configured by its environment like production,
 * with an optional clock that starts at TEST_NOW (an ISO instant) so scheduled work is due, and then runs on:
 * a frozen clock would never let a dead worker's send lease run out. Prints `ready` on stdout
 * once it serves and its workers run. The probes kill it with SIGKILL; SIGTERM stops it gracefully.
 */
import { configSchema } from '../../src/config.js';
import { startTandem } from '../../src/main.js';

const offset = process.env.TEST_NOW ? new Date(process.env.TEST_NOW).getTime() - Date.now() : undefined;
const tandem = await startTandem(configSchema.parse(process.env), offset === undefined ? {} : { clock: { now: () => new Date(Date.now() + offset) } });
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void tandem.stop().then(() => process.exit(0));
});
