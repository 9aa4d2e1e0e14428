import type { types as slackTypes, webApi } from '@slack/bolt';
import type { MessageAddress, PlatformChat, SendTarget } from '../../core/chat/chat.port.js';
import type { Form, View } from '../../core/chat/views.js';
import { DomainError } from '../../core/errors.js';
import type { PlatformIdentity, TeamChannels } from '../../core/people/people.types.js';
import type { SlackHome, SlackMessage, SlackModal } from './blockkit.types.js';
import { mentionedPeople, renderHome, renderMessage, renderModal } from './blockkit.js';
import type { SlackPeople } from './people.js';
import type { Logger } from '../../core/logger.js';
import { RateLimits } from './rate-limits.js';
import type { SlackWebApi } from './web-api.js';

/** Block Kit JSON as the Web API client's types want it. */
export const asBlocks = (m: SlackMessage): { text: string; blocks: slackTypes.KnownBlock[] } => ({ text: m.text, blocks: m.blocks as unknown as slackTypes.KnownBlock[] });

/** The message metadata type under which Tandem keeps a message's domain key (see `findSent`). */
export const METADATA_EVENT_TYPE = 'tandem_message';
/**
 * How many pages of 200 messages `findSent` reads, newest first. It does not bound the read by the reservation's
 * time: that comes from Tandem's clock (movable in the demo), Slack's `ts` from Slack's.
 */
const HISTORY_PAGES = 3;

/** Slack's answers that mean the person or channel cannot be reached, now or on a retry. */
const UNREACHABLE = new Set(['user_not_found', 'channel_not_found', 'not_in_channel', 'is_archived', 'cannot_dm_bot', 'user_disabled', 'account_inactive', 'user_not_visible']);

/** DM channels kept per process (see `SlackChat.dmChannels`); the least recently used goes first beyond it. */
export const DM_CHANNELS_KEPT = 10_000;

/** Slack's refusal code of a failed call when it is one of UNREACHABLE. */
function unreachableCode(err: unknown): string | null {
  const code = (err as { data?: { error?: unknown } } | null)?.data?.error;
  return typeof code === 'string' && UNREACHABLE.has(code) ? code : null;
}

/** A Slack refusal that retrying cannot fix, as the core's `not_found`; anything else as it came. */
async function reaching<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const code = unreachableCode(err);
    if (code) throw new DomainError('not_found', `Slack cannot deliver to ${what}: ${code}`, { slack: code });
    throw err;
  }
}

/** The Web API's generated types declare a metadata payload as `{}`; ours is `{ key }`. */
const payloadKey = (payload: object | undefined): unknown => (payload && 'key' in payload ? payload.key : undefined);

/**
 * The chat port on Slack: DMs (conversations.open + chat.postMessage),
 * team channel posts and in-place updates (chat.update). Those three methods,
 * one or two calls per page, go through `api` (web-api.ts, lean); uploads and
 * history reads through the Web API client. Both reject rate-limited calls
 * (`rejectRateLimitedCalls: true`): `RateLimits` waits out each 429's
 * Retry-After for that method and sends the call again.
 */
export class SlackChat implements PlatformChat {
  readonly platform = 'slack' as const;
  private readonly limits = new RateLimits();
  /**
   * A Slack user's DM channel by identity key: `conversations.open` answers the same channel for a user every
   * time, so a page is one call (`chat.postMessage`) instead of two. A cached channel Slack refuses is dropped and
   * opened again once; a refusal then is the person's (undeliverable).
   */
  private readonly dmChannels = new Map<string, string>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly api: SlackWebApi,
    private readonly people: SlackPeople,
    private readonly pictures: { picture?: ((url: string) => Promise<Buffer | null>) | undefined; logger?: Logger } = {},
  ) {}

  async message(view: View): Promise<SlackMessage> {
    return renderMessage(view, await this.people.resolver(mentionedPeople(view.blocks, view.text)), await this.uploads(view));
  }

  /**
   * Pictures Tandem drew go through the files API (files.uploadV2, kept private: no channel) and are shown
   * by their file id; a picture that cannot be uploaded is shown from its public URL instead.
   */
  private async uploads(view: View): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const read = this.pictures.picture;
    if (!read) return out;
    for (const b of view.blocks) {
      if (b.type !== 'image') continue;
      try {
        const png = await read(b.url);
        if (!png) continue;
        const res = (await this.limits.call('files.uploadV2', () => this.client.files.uploadV2({ file: png, filename: 'scorecard.png', title: b.alt.slice(0, 250) }))) as { files?: { files?: { id?: string }[] }[] };
        const id = res.files?.[0]?.files?.[0]?.id;
        if (id) out.set(b.url, id);
      } catch (err) {
        this.pictures.logger?.warn({ err }, 'picture upload to Slack failed; shown from its URL');
      }
    }
    return out;
  }

  async modal(form: Form): Promise<SlackModal> {
    return renderModal(form, await this.people.resolver(mentionedPeople(form.blocks, form.title)));
  }

  async home(view: View): Promise<SlackHome> {
    return renderHome(view, await this.people.resolver(mentionedPeople(view.blocks, view.text)));
  }

  async sendDirect(identity: PlatformIdentity, view: View, key: string): Promise<MessageAddress> {
    return reaching(`the person ${identity.key}`, async () => {
      const cached = this.dmChannels.get(identity.key);
      if (cached) {
        try {
          const address = await this.post(cached, view, key);
          this.keepDmChannel(identity.key, cached);
          return address;
        } catch (err) {
          // Refused, so not posted: sent again below to the channel Slack opens now.
          if (!unreachableCode(err)) throw err;
          this.dmChannels.delete(identity.key);
        }
      }
      return this.post(await this.directChannel(identity), view, key);
    });
  }

  async postToChannel(channels: TeamChannels, view: View, key: string): Promise<MessageAddress | null> {
    const channel = channels.slack?.channelId;
    if (!channel) return null;
    return reaching(`the channel ${channel}`, () => this.post(channel, view, key));
  }

  /** Reads the conversation's recent history for a message carrying `key` in its metadata. */
  async findSent(target: SendTarget, key: string): Promise<MessageAddress | null> {
    const channel = target.kind === 'direct' ? await this.directChannel(target.identity) : target.channels.slack?.channelId;
    if (!channel) return null;
    let cursor: string | undefined;
    for (let page = 0; page < HISTORY_PAGES; page += 1) {
      const res = await this.limits.call('conversations.history', () =>
        this.client.conversations.history({ channel, limit: 200, include_all_metadata: true, ...(cursor ? { cursor } : {}) }),
      );
      const found = res.messages?.find((m) => m.metadata?.event_type === METADATA_EVENT_TYPE && payloadKey(m.metadata.event_payload) === key);
      if (found?.ts) return { platform: 'slack', channel, messageId: found.ts };
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!cursor) break;
    }
    return null;
  }

  private async directChannel(identity: PlatformIdentity): Promise<string> {
    if (identity.platform !== 'slack') throw new DomainError('validation', `cannot DM a ${identity.platform} identity on Slack`);
    const opened = await this.limits.call('conversations.open', () => this.api.openConversation({ users: identity.userId }));
    const channel = opened.channel?.id;
    if (!channel) return identity.userId;
    this.keepDmChannel(identity.key, channel);
    return channel;
  }

  /** Kept as the most recently used; the least recently used is dropped beyond DM_CHANNELS_KEPT. */
  private keepDmChannel(identityKey: string, channel: string): void {
    this.dmChannels.delete(identityKey);
    this.dmChannels.set(identityKey, channel);
    if (this.dmChannels.size > DM_CHANNELS_KEPT) this.dmChannels.delete(this.dmChannels.keys().next().value!);
  }

  async update(address: MessageAddress, view: View): Promise<void> {
    const message = asBlocks(await this.message(view));
    await this.limits.call('chat.update', () => this.api.update({ channel: address.channel, ts: address.messageId, ...message }));
  }

  async post(channel: string, view: View, key?: string): Promise<MessageAddress> {
    const metadata = key ? { metadata: { event_type: METADATA_EVENT_TYPE, event_payload: { key } } } : {};
    const message = asBlocks(await this.message(view));
    const res = await this.limits.call('chat.postMessage', () => this.api.postMessage({ channel, ...message, ...metadata }));
    if (!res.ts) throw new Error('chat.postMessage answered without a ts');
    return { platform: 'slack', channel: res.channel ?? channel, messageId: res.ts };
  }
}
