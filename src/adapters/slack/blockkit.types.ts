/**
 * Slack's Block Kit limits (docs.slack.dev/reference/block-kit): the
 * renderer splits or visibly truncates ("…") so no payload exceeds them.
 */
export const SLACK_LIMITS = {
  messageBlocks: 50,
  /** Modals and the App Home tab. */
  surfaceBlocks: 100,
  /** Top-level `text` of chat.postMessage (Slack truncates beyond 40,000; we keep it short). */
  messageText: 4000,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  actionId: 255,
  blockId: 255,
  buttonValue: 2000,
  url: 3000,
  imageAltText: 2000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  placeholder: 150,
  options: 100,
  optionText: 75,
  optionValue: 150,
  optionDescription: 75,
  radioOptions: 10,
  checkboxOptions: 10,
  inputLabel: 2000,
  inputHint: 2000,
  plainTextInputMaxLength: 3000,
  modalTitle: 24,
  modalSubmit: 24,
  modalClose: 24,
  callbackId: 255,
  privateMetadata: 3000,
} as const;

/** A Block Kit JSON object (block, element or composition object). */
export interface SlackBlock {
  type: string;
  [key: string]: unknown;
}

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

export interface SlackModal {
  type: 'modal';
  callback_id: string;
  title: PlainText;
  submit: PlainText;
  close: PlainText;
  private_metadata: string;
  blocks: SlackBlock[];
}

export interface SlackHome {
  type: 'home';
  blocks: SlackBlock[];
}

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji: true;
}

/**
 * How a person mentioned in a view appears in Slack: `<@U…>` when they have
 * a Slack identity (`userId`), else their name in bold.
 */
export interface MentionTarget {
  userId?: string;
  name: string;
}
export type MentionResolver = (personId: string) => MentionTarget | undefined;
