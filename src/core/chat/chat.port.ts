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

/** Where a message goes: a person's DM, or a team's channel on the platform. */
export type SendTarget = { kind: 'direct'; identity: PlatformIdentity } | { kind: 'channel'; channels: TeamChannels };

/**
 * What each platform adapter implements so the core can reach people. Every send carries its domain key
 * (e.g. `checkin.prompt:<person>:<week>`), which the platform keeps with the message where it can.
 */
export interface PlatformChat {
  readonly platform: Platform;
  sendDirect(identity: PlatformIdentity, view: View, key: string): Promise<MessageAddress>;
  /** Posts to the team's channel on this platform; null when the team has none here. */
  postToChannel(channels: TeamChannels, view: View, key: string): Promise<MessageAddress | null>;
  update(address: MessageAddress, view: View): Promise<void>;
  /**
   * The message sent to `target` under `key` since `since`, or null when there is none: how a worker that takes
   * over a crashed send finds out whether it went out. Absent where the platform offers no way to tell (Teams):
   * such a message is sent again.
   */
  findSent?(target: SendTarget, key: string, since: Date): Promise<MessageAddress | null>;
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
