import type { AdapterContext, PlatformAdapter } from './adapter.js';
import { createSlackAdapter } from './slack/index.js';
import { createConsoleAdapter } from './console/index.js';

/**
 * The platforms enabled by configuration. A platform without credentials is
 * left out with one log line, never a crash. The Teams adapter is loaded only
 * when Teams is enabled: botbuilder and the Adaptive Cards templating add
 * about 33 MB of heap to a process that does not use them.
 */
export async function createAdapters(ctx: AdapterContext): Promise<PlatformAdapter[]> {
  const adapters: PlatformAdapter[] = [];
  if (ctx.config.SLACK_SIGNING_SECRET && ctx.config.SLACK_BOT_TOKEN) adapters.push(createSlackAdapter(ctx));
  else ctx.logger.info('Slack disabled: no credentials');
  if (ctx.config.TEAMS_ENABLED) {
    if (!ctx.config.MICROSOFT_APP_ID && ctx.config.NODE_ENV === 'production') {
      ctx.logger.warn(
        { serviceUrls: ctx.config.TEAMS_SERVICE_URLS },
        'Teams runs WITHOUT authentication in production (TEAMS_ALLOW_UNAUTHENTICATED=true): anyone who can reach /api/messages can act as anyone; replies go only to TEAMS_SERVICE_URLS',
      );
    } else if (!ctx.config.MICROSOFT_APP_ID) {
      ctx.logger.warn('Teams runs without authentication (no MICROSOFT_APP_ID), as the Bot Framework Emulator does: do not expose /api/messages publicly');
    }
    const { createTeamsAdapter } = await import('./teams/index.js');
    adapters.push(createTeamsAdapter(ctx));
  } else ctx.logger.info(ctx.config.NODE_ENV === 'production' && !ctx.config.MICROSOFT_APP_ID ? 'Teams disabled: no MICROSOFT_APP_ID' : 'Teams disabled: TEAMS_ENABLED=false');
  if (ctx.config.CONSOLE_ENABLED) adapters.push(createConsoleAdapter(ctx));
  ctx.logger.info({ platforms: adapters.map((a) => a.chat.platform) }, 'chat platforms enabled');
  return adapters;
}
