import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { View } from '../../src/core/chat/views.js';
import { createCore, type CorePorts } from '../../src/core/index.js';
import { LocalInvalidation } from '../../src/core/invalidation.js';

const text = (view: View) => JSON.stringify(view);
const context = { actor: { id: 'p1' }, platform: 'console' } as Parameters<ReturnType<typeof createCore>['interactions']['runCommand']>[0];

describe('the help view lists what is built', () => {
  // Building the core touches no repository: the help needs none of them.
  const core = createCore({ logger: pino({ level: 'silent' }), invalidation: new LocalInvalidation() } as unknown as CorePorts);

  it('names the built features (check-ins, kudos, on-call, KPI alerts), each from its own line', async () => {
    const answer = await core.interactions.runCommand(context, 'tandem', 'help');
    expect(answer.kind).toBe('private');
    const help = text((answer as { view: View }).view);
    expect(help).toContain('*Check-ins*');
    expect(help).toContain('*Kudos*');
    expect(help).toContain('*On-call*');
    expect(help).toContain('*KPI alerts*');
    
  });

  it('grows as a feature registers its own line, with its "how it works" behind the button', async () => {
    core.tandem.feature({ name: 'Pulse surveys', summary: 'a few anonymous questions now and then', howItWorks: '*How surveys go*\nEvery other Monday I ask five questions.' });
    const short = text(core.tandem.helpView(core.interactions));
    expect(short).toContain('*Pulse surveys*: a few anonymous questions now and then');
    expect(short).not.toContain('Every other Monday');
    const more = text(core.tandem.helpView(core.interactions, true));
    expect(more).toContain('*How surveys go*');
    expect(more).toContain('*How the week goes*');
  });
});
