import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import express from 'express';
import { sendError } from '../../http/errors.js';
import type { AdapterContext, PlatformAdapter } from '../adapter.js';
import { TandemTeamsBot } from './bot.js';
import { TeamsChat } from './chat.js';
import { checkActivity, claimKey, HANDLED_TYPES, trustedServiceUrl, withoutNulls } from './intake.js';

/** AuthenticationConstants.ToChannelFromBotOAuthScope: the audience of outgoing calls in the public cloud. */
const BOT_FRAMEWORK_AUDIENCE = 'https://api.botframework.com';

/** The Bot Framework messaging endpoint Teams (or the Emulator) posts activities to. */
export const TEAMS_MESSAGES_PATH = '/api/messages';

/** How long a turn may hold its activity's processing claim before a redelivery may take it over. */
const CLAIM_LEASE_MS = 60_000;
const MESSAGE_RESPONSE = 'application/vnd.microsoft.activity.message';

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

  const claims = ctx.stores.processingClaims;
  const clock = ctx.core.clock;
  // Production without credentials (TEAMS_ALLOW_UNAUTHENTICATED): no request is authenticated, so the
  // serviceUrl an activity names is not trusted; only the configured Teams service URLs are.
  const unauthenticatedProduction = !appId && config.NODE_ENV === 'production';

  /**
   * One turn, once: a redelivered activity (same id in the same conversation) is processed only by
   * the first delivery to claim it; concurrent copies and later redeliveries do nothing (an invoke
   * copy answers 200 with a short note, as botbuilder would otherwise answer 501).
   */
  const runOnce = async (context: TurnContext): Promise<void> => {
    const { type, id, conversation } = context.activity;
    if (!HANDLED_TYPES.has(type)) return;
    const key = id ? claimKey(conversation.id, id) : undefined;
    if (key && !(await claims.claim(key, clock.now(), CLAIM_LEASE_MS))) {
      log.info({ activityId: id, conversation: conversation.id, type }, 'teams: activity already processed or in progress; redelivery ignored');
      if (type === 'invoke') await context.sendActivity({ type: 'invokeResponse', value: { status: 200, body: { statusCode: 200, type: MESSAGE_RESPONSE, value: 'Already received.' } } });
      return;
    }
    try {
      await bot.run(context);
    } catch (err) {
      if (key) await claims.release(key).catch((releaseErr: unknown) => log.warn({ err: releaseErr }, 'teams: could not release a processing claim'));
      throw err;
    }
    if (key) await claims.done(key, clock.now());
  };

  return {
    chat,
    mount(app) {
      app.post(TEAMS_MESSAGES_PATH, express.json({ limit: '1mb' }), async (req, res) => {
        req.body = withoutNulls(req.body);
        const intake = checkActivity(req.body);
        if (!intake.ok) {
          log.info({ reason: intake.reason }, 'teams: activity refused');
          sendError(res, 400, 'validation', intake.reason);
          return;
        }
        const { activity } = intake;
        if (unauthenticatedProduction && 'serviceUrl' in activity && !trustedServiceUrl(activity.serviceUrl, config.TEAMS_SERVICE_URLS)) {
          log.warn({ serviceUrl: activity.serviceUrl }, 'teams: unauthenticated activity names an untrusted serviceUrl; refused');
          sendError(res, 403, 'forbidden', 'This serviceUrl is not one Tandem replies to without Bot Framework authentication (TEAMS_SERVICE_URLS)');
          return;
        }
        await adapter.process(req, res, runOnce);
      });
    },
  };
}
