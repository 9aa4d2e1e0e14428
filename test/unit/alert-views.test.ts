import { describe, expect, it } from 'vitest';
import { renderView } from '../../src/adapters/console/render.js';
import { renderMessage } from '../../src/adapters/slack/blockkit.js';
import { viewCard } from '../../src/adapters/teams/cards.js';
import type { Alert } from '../../src/core/alerts/alerts.types.js';
import { alertView } from '../../src/core/alerts/alerts.views.js';
import { explain, sparkline } from '../../src/core/kpis/explain.js';
import type { Kpi } from '../../src/core/kpis/kpis.types.js';
import { DEFAULTS } from '../../src/core/kpis/kpis.types.js';
import { blockKitViolations } from '../support/slack.js';
import { adaptiveCardProblems } from '../support/teams.js';

const at = new Date('2026-11-25T14:00:00Z');
const version = { version: 2, direction: 'higher_is_better' as const, target: 3, stretch: null, thresholds: { amber: 2.8, red: 2.5 }, effectiveFrom: new Date(0), createdBy: 'ops', createdAt: at };
const kpi: Kpi = { ...version, key: 'conversion', name: 'Checkout conversion', unit: '%', perspective: 'customer', ownerTeamId: 'a'.repeat(24), ownerRole: 'manager', cadence: 'PT1H', bounds: { min: 0, max: 100 }, ...DEFAULTS, versions: [version], lastSampleAt: at, staleSince: null, createdAt: at, updatedAt: at };
const explanation = explain({ kpi, version, rule: 'sigma3', value: 2.1, at, rag: 'red', baseline: { n: 20, mean: 3.02, sigma: 0.2 }, trend: [3, 3.1, 2.9, 3, 2.1] });
const alert: Alert = {
  id: 'b'.repeat(24),
  key: 'kpi:conversion:sigma3',
  status: 'open',
  severity: 'exception',
  teamId: kpi.ownerTeamId,
  source: 'kpi',
  title: 'Checkout conversion: exceptional value (beyond 3σ)',
  explanation,
  kpiKey: 'conversion',
  rule: 'sigma3',
  count: 2,
  wave: 0,
  messageKeys: [],
  lastValue: 2.1,
  worstValue: 2,
  lastAt: at,
  flapping: false,
  timeline: [{ at, kind: 'annotated', actor: 'c'.repeat(24), text: 'Payment provider outage' }],
  createdAt: at,
  updatedAt: at,
};

describe('KPI alert view', () => {
  it('explains in plain language: value, target, baseline mean ± σ, the rule and a trend', () => {
    expect(explanation).toContain('Checkout conversion was 2.1 % at 2026-11-25 14:00 UTC (red).');
    expect(explanation).toContain('Target 3 % (higher is better); amber beyond 2.8 %, red beyond 2.5 % (version 2).');
    expect(explanation).toContain('Baseline: mean 3.02 % ± 0.2 (σ) over the last 20 samples; this value is -4.6σ away.');
    expect(explanation).toContain('Rule: more than 3σ from the baseline mean (exceptional).');
    expect(explanation).toContain(`Trend: ${sparkline([3, 3.1, 2.9, 3, 2.1])} (3, 3.1, 2.9, 3, 2.1)`);
  });

  it('renders natively on Slack, Teams and the console with the owner buttons', () => {
    const view = alertView(alert);
    const slack = renderMessage(view);
    expect(blockKitViolations(slack, 'message')).toEqual([]);
    expect(JSON.stringify(slack)).toContain('Mark as data error');
    const card = viewCard(view, { people: new Map([['c'.repeat(24), { name: 'Lena Fischer' }]]) });
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(JSON.stringify(card)).toContain('alert.data_error');
    const html = renderView(view, new Map([['c'.repeat(24), 'Lena Fischer']]));
    expect(html).toContain('Mark as data error');
    expect(html).toContain('@Lena Fischer');
  });

  it('drops the buttons once resolved', () => {
    expect(JSON.stringify(alertView({ ...alert, status: 'resolved' }))).not.toContain('alert.annotate');
  });
});
