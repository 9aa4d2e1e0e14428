import { parse } from 'csv-parse/sync';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Person } from '../../src/core/people/people.types.js';
import { generateToken, hashToken } from '../../src/http/admin/tokens.js';
import { startTestTandem } from '../support/stack.js';

const TOTAL = 4_000;

describe('kudos CSV export: streamed from the cursor through csv-stringify', () => {
  let tandem: Awaited<ReturnType<typeof startTestTandem>>;
  let token: string;
  let ana: Person, bo: Person;
  const clock = { at: new Date('2026-11-16T09:00:00Z'), now() { return new Date(this.at); } };

  beforeAll(async () => {
    tandem = await startTestTandem({ TEAMS_ENABLED: 'false' }, { clock, workers: false });
    token = generateToken();
    await tandem.store.tokens.create({ name: 'analyst', hash: hashToken(token), scopes: ['kudos:read'] });
    ana = await tandem.store.people.create({ name: 'Lima, Ana "the fixer"', email: 'ana@example.com' });
    bo = await tandem.store.people.create({ name: 'Bo Chen', email: 'bo@example.com' });
    const base = new Date('2026-10-01T00:00:00Z').getTime();
    const docs = Array.from({ length: TOTAL }, (_, i) => ({
      // Ids in insertion order whatever the driver's counter: one generated in the same second after it wraps is smaller.
      _id: new Types.ObjectId(Types.ObjectId.generate(base / 1000 + i)),
      giverId: ana.id,
      recipientIds: [bo.id],
      reason: i % 3 === 0 ? `shipped, "fast", and\nwell <@person:${bo.id}> #${i}` : `=cmd ${i}`,
      values: ['ownership'],
      private: false,
      platform: 'console',
      week: '2026-W40',
      createdAt: new Date(base + i * 1000),
      revokedAt: null,
      revokedBy: null,
      revokeReason: null,
    }));
    for (let i = 0; i < docs.length; i += 1000) await tandem.store.conn.collection('kudos').insertMany(docs.slice(i, i + 1000));
  });
  afterAll(async () => {
    await tandem.cleanup();
  });

  it('quotes commas, quotes and newlines, defuses formulas, has the header and every row', async () => {
    const res = await fetch(`${tandem.url}/api/v1/kudos/export`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toContain('kudos.csv');
    const text = await res.text();
    expect(text.startsWith('id,created_at,giver,giver_email,recipients,recipient_emails,values,reason,private,platform,revoked_at,revoked_by,revoke_reason\r\n')).toBe(true);
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(TOTAL);
    expect(rows[0]).toMatchObject({ giver: 'Lima, Ana "the fixer"', recipients: 'Bo Chen', reason: 'shipped, "fast", and\nwell @Bo Chen #0', values: 'ownership', private: 'false' });
    expect(rows[1]?.reason).toBe("'=cmd 1");
    expect(new Set(rows.map((r) => r.id)).size).toBe(TOTAL);
  });

  it('streams: the first bytes arrive before the cursor is exhausted', async () => {
    const recognition = tandem.core.recognition;
    const scan = recognition.scan.bind(recognition);
    let read = 0;
    recognition.scan = async function* (filter) {
      for await (const k of scan(filter)) {
        read += 1;
        yield k;
      }
    };
    try {
      const res = await fetch(`${tandem.url}/api/v1/kudos/export`, { headers: { authorization: `Bearer ${token}` } });
      const reader = res.body!.getReader();
      const first = await reader.read();
      // How far the cursor got before the client saw a byte: a response built in memory would have read it all.
      // (How far backpressure then holds it depends on socket and client buffers, so it is not asserted.)
      expect(first.value?.length).toBeGreaterThan(0);
      expect(read).toBeLessThan(TOTAL);
      let bytes = first.value?.length ?? 0;
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        bytes += chunk.value.length;
      }
      expect(read).toBe(TOTAL);
      expect(bytes).toBeGreaterThan(TOTAL * 50);
    } finally {
      recognition.scan = scan;
    }
  });
});
