import { describe, expect, it } from 'vitest';
import { alertmanagerPayloadSchema, readAlertmanagerPayload } from '../../src/core/alerts/intakes.js';

const alert = { status: 'firing', labels: { alertname: 'HighLatency', severity: 'critical' }, annotations: { summary: 'p99 above 1 s' }, startsAt: '2026-11-26T10:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus/graph', fingerprint: 'abc123' };
const payload = { version: '4', groupKey: '{}:{alertname="HighLatency"}', truncatedAlerts: 0, status: 'firing', receiver: 'tandem', groupLabels: {}, commonLabels: { team: 'api' }, commonAnnotations: {}, externalURL: 'http://alertmanager', alerts: [alert] };

describe('the Alertmanager payload checked by hand', () => {
  it('reads what the schema parses, as the schema parses it (defaults applied, unknown fields left out)', () => {
    const samples: unknown[] = [
      payload,
      { ...payload, commonLabels: undefined, receiver: undefined, externalURL: undefined },
      { ...payload, alerts: [{ status: 'resolved', fingerprint: 'f' }, { ...alert, extra: 1 }] },
      { ...payload, alerts: [] },
    ];
    for (const body of samples) expect(readAlertmanagerPayload(body)).toEqual(alertmanagerPayloadSchema.parse(body));
  });

  it('refuses what the schema refuses (the schema then says why)', () => {
    const samples: unknown[] = [
      null,
      'text',
      { ...payload, version: '3' },
      { ...payload, status: 'pending' },
      { ...payload, receiver: 1 },
      { ...payload, commonLabels: { a: 1 } },
      { ...payload, commonLabels: ['a'] },
      { ...payload, alerts: 'none' },
      { ...payload, alerts: [null] },
      { ...payload, alerts: [{ ...alert, fingerprint: '' }] },
      { ...payload, alerts: [{ ...alert, labels: { a: null } }] },
      { ...payload, alerts: [{ ...alert, startsAt: 5 }] },
      { ...payload, alerts: [{ ...alert, status: undefined }] },
      { ...payload, alerts: Array.from({ length: 1001 }, () => alert) },
    ];
    for (const body of samples) {
      expect(readAlertmanagerPayload(body)).toBeNull();
      expect(alertmanagerPayloadSchema.safeParse(body).success).toBe(false);
    }
  });
});
