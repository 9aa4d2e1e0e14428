import type { Platform, PlatformIdentity, TeamChannels } from '../people/people.types.js';
import type { Form, View } from './views.js';

/**
 * Where a posted message lives on its platform. `channel` is the Slack channel
 * id, the Teams conversation id or the console channel; `messageId` the Slack
 * ts, the Teams activity id or the console message id.
 */
export interface MessageAddress {
  platform: Platform;
  channel: string;
  messageId: string;
}

/** What each platform adapter implements so the core can reach people. */
export interface PlatformChat {
  readonly platform: Platform;
  sendDirect(identity: PlatformIdentity, view: View): Promise<MessageAddress>;
  /** Posts to the team's channel on this platform; null when the team has none here. */
  postToChannel(channels: TeamChannels, view: View): Promise<MessageAddress | null>;
  update(address: MessageAddress, view: View): Promise<void>;
}

/** Where an interaction happened: a DM with Tandem, or a team/group conversation. */
export interface Conversation {
  kind: 'direct' | 'channel' | 'group';
  id: string;
}

/**
 * What a core handler answers to an interaction. Each adapter turns it into
 * the native response: Slack ack/respond/views.open, a Teams invoke response
 * or reply, a console event.
 */
export type Reply =
  | { kind: 'none' }
  /** A message only the actor sees where the platform allows (Slack ephemeral); a DM otherwise. */
  | { kind: 'private'; view: View }
  /** A message in the conversation the interaction came from, visible to all there. */
  | { kind: 'public'; view: View }
  /** Replaces the message that carried the clicked button. */
  | { kind: 'update'; view: View }
  | { kind: 'form'; form: Form }
  /** Keeps a submitted form open with a message per input id. */
  | { kind: 'form_errors'; errors: Record<string, string> };

export const reply = {
  none: (): Reply => ({ kind: 'none' }),
  private: (view: View): Reply => ({ kind: 'private', view }),
  public: (view: View): Reply => ({ kind: 'public', view }),
  update: (view: View): Reply => ({ kind: 'update', view }),
  form: (form: Form): Reply => ({ kind: 'form', form }),
  formErrors: (errors: Record<string, string>): Reply => ({ kind: 'form_errors', errors }),
};
