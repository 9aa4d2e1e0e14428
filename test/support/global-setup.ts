import { execFileSync } from 'node:child_process';

/** Brings up the local stack (idempotent) unless MONGODB_URI and REDIS_URL point elsewhere. */
export default function setup(): void {
  execFileSync('bash', ['scripts/stack.sh', 'start'], { stdio: 'inherit' });
}
