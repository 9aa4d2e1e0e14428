import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../support/fake-slack.js';

describe('the fake Slack API’s incoming webhook (what Alertmanager’s slack_configs.api_url posts to)', () => {
  let fake: FakeSlack;
  beforeAll(async () => {
    fake = await FakeSlack.start();
  });
  afterAll(() => fake.close());

  it('records each JSON body with its arrival and answers ok in text/plain, as Slack does', async () => {
    const body = { channel: '#bench', attachments: [{ title: 'Bench alert A-000001', text: 'firing' }] };
    const res = await fetch(fake.webhookUrl('alertmanager'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(await res.text()).toBe('ok');
    expect(fake.webhooks).toEqual([{ id: 'alertmanager', body, at: expect.any(Number) }]);
    fake.reset();
    expect(fake.webhooks).toEqual([]);
  });
});
