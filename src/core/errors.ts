/**
 * The only error the core throws on purpose. Each code has one meaning across
 * the product; adapters map codes to HTTP statuses or chat replies.
 */
export type ErrorCode =
  | 'validation' // input has the wrong shape or value (422 in the admin API)
  | 'not_found'
  | 'conflict' // a unique value is taken, or a state change no longer applies
  | 'forbidden' // the actor may not do this
  | 'unauthenticated'
  | 'limit_reached' // a budget or quota is spent
  | 'unavailable'; // a platform or dependency refused for now; try later

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;
