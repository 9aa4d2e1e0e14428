import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import express from 'express';
import { sendError } from '../../http/errors.js';
import type { AdapterContext, PlatformAdapter } from '../adapter.js';
import { TandemTeamsBot } from './bot.js';
import { TeamsChat } from './chat.js';

/** AuthenticationConstants.ToChannelFromBotOAuthScope: the audience of outgoing calls in the public cloud. */
const BOT_FRAMEWORK_AUDIENCE = 'https://api.botframework.com';

/** The Bot Framework messaging endpoint Teams (or the Emulator) posts activities to. */
export const TEAMS_MESSAGES_PATH = '/api/messages';

/**
 * Teams through botbuilder's CloudAdapter on Tandem's one HTTP server.
 *
 * Authentication is ConfigurationBotFrameworkAuthentication over
 * MICROSOFT_APP_ID / _PASSWORD / _TYPE / _TENANT_ID. With an app id every
 * request must carry a valid Bot Framework JWT (401 otherwise) and outgoing
 * calls get a token from Entra ID. Without one, botbuilder's
 * PasswordServiceClientCredentialFactory reports authentication disabled: any
 * request is accepted with an anonymous identity and outgoing calls use
 * MicrosoftAppCredentials.Empty, which sends no Authorization header, as with
 * the Bot Framework Emulator (and the local fake connector in tests).
 */
export function createTeamsAdapter(ctx: AdapterContext): PlatformAdapter {
  const { config, logger } = ctx;
  const appId = config.MICROSOFT_APP_ID ?? '';
  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: appId,
    MicrosoftAppPassword: config.MICROSOFT_APP_PASSWORD ?? '',
    MicrosoftAppType: config.MICROSOFT_APP_TYPE,
    MicrosoftAppTenantId: config.MICROSOFT_APP_TENANT_ID ?? '',
  });
  const adapter = new CloudAdapter(auth);
  const log = logger.child({ platform: 'teams' });
  adapter.onTurnError = async (context, error) => {
    log.error({ err: error, activityType: context.activity.type, conversation: context.activity.conversation?.id }, 'teams: turn failed');
    if (context.activity.type === 'message') {
      await context.sendActivity('Something went wrong on our side. It has been logged; please try again in a moment.').catch(() => undefined);
    }
  };

  const conversations = ctx.stores.teamsConversations;
  const chat = new TeamsChat({ adapter, appId, audience: BOT_FRAMEWORK_AUDIENCE, conversations, directory: ctx.core.directory.lookup, clock: ctx.core.clock, logger: log });
  const bot = new TandemTeamsBot({ core: ctx.core, conversations, chat, logger: log });

  return {
    chat,
    mount(app) {
      app.post(TEAMS_MESSAGES_PATH, express.json({ limit: '1mb' }), async (req, res) => {
        const body: unknown = req.body;
        if (typeof body !== 'object' || body === null || typeof (body as { type?: unknown }).type !== 'string') {
          sendError(res, 400, 'validation', 'Expected a Bot Framework activity: a JSON object with a "type"');
          return;
        }
        await adapter.process(req, res, (context) => bot.run(context));
      });
    },
  };
}
