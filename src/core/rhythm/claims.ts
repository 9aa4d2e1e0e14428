/**
 * Claims: idempotency keys shared by every feature.
 *
 * A claim reserves a key (a platform delivery id, a content hash, "escalation
 * step 2 of alert X") until an instant. The first caller wins; everyone else
 * sees a duplicate, and once the winner has bound the claim to what it made
 * (a kudos id, an alert id), the duplicate learns that too. The store backs a
 * claim with a unique `_id`, so exactly one of any number of concurrent
 * callers wins, on MongoDB and on FerretDB alike.
 *
 * Keys are namespaced by their feature (`kudos:delivery:…`, `alert:ack:…`).
 * Expired claims are dead weight; a daily job purges them.
 */
export type ClaimOutcome = { won: true } | { won: false; boundTo: string | null };

export interface Claims {
  /** Claims `key` until `until`; a claim that expired before `now` is taken over. */
  claim(key: string, until: Date, now: Date): Promise<ClaimOutcome>;
  /** Records what the winner made of its claim (e.g. the kudos id), for duplicates to point at. */
  bind(key: string, ref: string): Promise<void>;
  /** Gives up an unbound claim (the attempt failed), so a retry can win it. */
  release(key: string): Promise<void>;
  /** Retention: deletes claims that expired before `before`; returns how many. */
  purge(before: Date): Promise<number>;
}

/**
 * Claims every key or none: on the first key someone else holds, the keys
 * already won are released and that holder's binding is returned.
 */
export async function claimAll(
  claims: Claims,
  keys: readonly { key: string; until: Date }[],
  now: Date,
): Promise<{ won: true; keys: string[] } | { won: false; boundTo: string | null }> {
  const won: string[] = [];
  for (const { key, until } of keys) {
    const outcome = await claims.claim(key, until, now);
    if (!outcome.won) {
      await releaseAll(claims, won);
      return outcome;
    }
    won.push(key);
  }
  return { won: true, keys: won };
}

export async function releaseAll(claims: Claims, keys: readonly string[]): Promise<void> {
  for (const key of keys) await claims.release(key);
}
