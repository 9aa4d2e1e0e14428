import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimAll } from '../../src/core/rhythm/claims.js';
import { createLogger } from '../../src/logger.js';
import { MongoClaims } from '../../src/store/claims.repository.js';
import { connectMongo } from '../../src/store/connection.js';
import { syncIndexes } from '../../src/store/models.js';
import { isolatedNames } from '../support/stack.js';

describe('Claims on the real store (FerretDB)', () => {
  let conn: Connection;
  let claims: MongoClaims;
  const now = new Date('2026-11-20T10:00:00Z');
  const later = new Date('2026-11-20T10:05:00Z');

  beforeAll(async () => {
    conn = await connectMongo(isolatedNames('claims').mongoUri, createLogger('silent'));
    claims = new MongoClaims(conn);
    await syncIndexes(conn);
  });
  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  it('lets exactly one of 20 concurrent claims of one key win', async () => {
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => claims.claim('test:race', later, now)));
    expect(outcomes.filter((o) => o.won)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.won)).toHaveLength(19);
  });

  it('points a duplicate at what the winner bound its claim to', async () => {
    expect(await claims.claim('test:bound', later, now)).toEqual({ won: true });
    expect(await claims.claim('test:bound', later, now)).toEqual({ won: false, boundTo: null });
    await claims.bind('test:bound', 'kudos-1');
    expect(await claims.claim('test:bound', later, now)).toEqual({ won: false, boundTo: 'kudos-1' });
    // A bound claim is kept when its attempt is "released": only failed, unbound attempts give their key back.
    await claims.release('test:bound');
    expect((await claims.claim('test:bound', later, now)).won).toBe(false);
  });

  it('gives a released or expired key to the next caller, and purges expired claims', async () => {
    expect((await claims.claim('test:retry', later, now)).won).toBe(true);
    await claims.release('test:retry');
    expect((await claims.claim('test:retry', later, now)).won).toBe(true);
    const afterExpiry = new Date(later.getTime() + 1);
    expect((await claims.claim('test:retry', new Date(afterExpiry.getTime() + 60_000), afterExpiry)).won).toBe(true);
    expect(await claims.purge(new Date('2026-11-21T00:00:00Z'))).toBeGreaterThanOrEqual(2);
    expect((await claims.claim('test:race', later, now)).won).toBe(true);
  });

  it('claims all keys or none', async () => {
    await claims.claim('test:all:b', later, now);
    const outcome = await claimAll(claims, [{ key: 'test:all:a', until: later }, { key: 'test:all:b', until: later }], now);
    expect(outcome.won).toBe(false);
    // The first key was given back when the second was taken.
    expect((await claims.claim('test:all:a', later, now)).won).toBe(true);
  });
});
