import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { connectMongo } from '../../src/store/connection.js';
import { createStore, type Store } from '../../src/store/index.js';
import { syncIndexes } from '../../src/store/models.js';
import { dropDatabases } from '../../src/store/databases.js';
import { isolatedNames } from '../support/stack.js';

/**
 * The weekly kudos budget in the store: one counter document per giver and
 * week, taken by a guarded atomic update (see src/store/recognition.repository.ts).
 */
describe('kudos budget on the real store', () => {
  let conn: Connection;
  let store: Store;
  const newKudos = (giverId: string, week: string, recipientIds: string[]) =>
    store.recognition.insert({ giverId, recipientIds, reason: 'for the budget test', values: [], private: false, platform: 'console', week, createdAt: new Date() });

  beforeAll(async () => {
    conn = await connectMongo(isolatedNames('budget').mongoUri, createLogger('silent'));
    store = createStore(conn);
    await syncIndexes(conn);
  });
  afterAll(async () => {
    await dropDatabases(conn);
    await conn.close();
  });

  it('lets exactly 5 of 20 concurrent kudos through a budget of 5, the first of the week included', async () => {
    const spent = await Promise.all(Array.from({ length: 20 }, (_, i) => store.recognition.spendBudget('giver-a', '2026-W48', 1, 5, `give:a${i}`)));
    const ok = spent.filter((s) => s.ok);
    expect(ok).toHaveLength(5);
    expect(ok.map((s) => s.used).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(spent.filter((s) => !s.ok).every((s) => s.used === 5)).toBe(true);
    expect(await store.recognition.budgetUsed('giver-a', '2026-W48')).toBe(5);
    expect(await store.recognition.budgetUsed('giver-a', '2026-W49')).toBe(0);
  });

  it('takes all of a multi-recipient kudos or none, and never more than the budget', async () => {
    const spent = await Promise.all(Array.from({ length: 20 }, (_, i) => store.recognition.spendBudget('giver-b', '2026-W48', 2, 5, `give:b${i}`)));
    expect(spent.filter((s) => s.ok)).toHaveLength(2);
    expect(await store.recognition.budgetUsed('giver-b', '2026-W48')).toBe(4);
    expect(await store.recognition.spendBudget('giver-b', '2026-W48', 6, 5, 'give:b-big')).toEqual({ ok: false, used: 4 });
    expect(await store.recognition.spendBudget('giver-b2', '2026-W48', 6, 5, 'give:b2-big')).toEqual({ ok: false, used: 0 });
  });

  it('gives back a failed attempt once, and a revoked kudos once, however many release it', async () => {
    expect(await store.recognition.spendBudget('giver-c', '2026-W48', 1, 5, 'give:c-failed')).toEqual({ ok: true, used: 1 });
    await Promise.all([store.recognition.releaseBudget('give:c-failed'), store.recognition.releaseBudget('give:c-failed')]);
    expect(await store.recognition.budgetUsed('giver-c', '2026-W48')).toBe(0);

    expect((await store.recognition.spendBudget('giver-c', '2026-W48', 2, 5, 'give:c-ok')).ok).toBe(true);
    expect((await store.recognition.spendBudget('giver-c', '2026-W48', 1, 5, 'give:c-other')).ok).toBe(true);
    const kudos = await newKudos('giver-c', '2026-W48', ['r1', 'r2']);
    await store.recognition.bindBudget('give:c-ok', kudos.id);
    await store.recognition.releaseBudget('give:c-ok'); // already handed to the kudos: nothing to give back
    expect(await store.recognition.budgetUsed('giver-c', '2026-W48')).toBe(3);
    await Promise.all([store.recognition.releaseBudget(kudos.id), store.recognition.releaseBudget(kudos.id)]);
    expect(await store.recognition.budgetUsed('giver-c', '2026-W48')).toBe(1);
  });
});
