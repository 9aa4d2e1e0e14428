import { createHmac } from 'node:crypto';

/**
 * The only link between a person and their in-progress response: an HMAC of
 * (round, person) under the server secret. Without the secret the key says
 * nothing about who it belongs to; with it, only someone who already knows a
 * person id can find that person's response, and only until the round closes
 * (the keyed documents are deleted then).
 */
export function responseKey(secret: string, roundId: string, personId: string): string {
  return createHmac('sha256', secret).update(`survey-response\n${roundId}\n${personId}`).digest('hex');
}
