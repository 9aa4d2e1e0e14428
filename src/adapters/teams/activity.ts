import type { Activity, AdaptiveCardInvokeResponse } from 'botbuilder';
import { teamsGetTenant } from 'botbuilder';
import type { Form } from '../../core/chat/views.js';
import { CARD_CONTENT_TYPE } from './cards.js';

/** What Tandem reads off a Teams activity: tenant, scope, the person's zone, message text and a card's form. */

export type TeamsScope = 'personal' | 'groupChat' | 'channel';

/** The Teams tenant of an activity (the Emulator sends none). */
export function tenantOf(activity: Partial<Activity>): string {
  return activity.conversation?.tenantId ?? teamsGetTenant(activity as Activity)?.id ?? 'default';
}

export function scopeOf(activity: Partial<Activity>): TeamsScope {
  const type = activity.conversation?.conversationType;
  if (type === 'channel') return 'channel';
  if (type === 'groupChat' || activity.conversation?.isGroup) return 'groupChat';
  return 'personal';
}

/** The person's time zone as Teams reports it: `localTimezone`, else the clientInfo entity. */
export function timeZoneOf(activity: Partial<Activity>): string | undefined {
  if (activity.localTimezone) return activity.localTimezone;
  const info = activity.entities?.find((e) => e.type === 'clientInfo') as { timezone?: unknown } | undefined;
  return typeof info?.timezone === 'string' ? info.timezone : undefined;
}

export const decodeEntities = (text: string) =>
  text
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');


/** The form a card carries (its JSON in the card's data), or null. */
export function parseForm(raw: unknown): Form | null {
  if (typeof raw !== 'string') return null;
  try {
    const parsed = JSON.parse(raw) as Partial<Form>;
    return typeof parsed.id === 'string' && Array.isArray(parsed.blocks) ? (parsed as Form) : null;
  } catch {
    return null;
  }
}

const MESSAGE_RESPONSE = 'application/vnd.microsoft.activity.message';
/** An invoke answered with a message Teams shows the presser. */
export const messageResponse = (text: string): AdaptiveCardInvokeResponse => ({ statusCode: 200, type: MESSAGE_RESPONSE, value: text as unknown as Record<string, unknown> });
/** An invoke answered with the card that replaces the pressed one. */
export const cardResponse = (card: Record<string, unknown>): AdaptiveCardInvokeResponse => ({ statusCode: 200, type: CARD_CONTENT_TYPE, value: card });
