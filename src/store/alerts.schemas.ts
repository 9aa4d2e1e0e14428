import { Schema, type Types } from 'mongoose';
import type { Silence } from '../core/alerts/alerts.types.js';

/** The alerts' collections as mongoose sees them (their repository is alerts.repository.ts; stored forms: alerts.codec.ts). */

export const alertSchema = new Schema(
  {
    key: { type: String, required: true },
    status: { type: String, required: true },
    severity: { type: String, required: true },
    teamId: { type: String, required: true },
    source: { type: String, required: true },
    title: { type: String, required: true },
    explanation: { type: String, required: true },
    kpiKey: String,
    rule: String,
    count: { type: Number, default: 1 },
    lastValue: { type: Number, default: null },
    worstValue: { type: Number, default: null },
    lastAt: Date,
    worse: String,
    flapping: { type: Boolean, default: false },
    silencedUntil: Date,
    normalStreak: { type: Number, default: 0 },
    timeline: { type: [Schema.Types.Mixed], default: [] },
    createdAt: { type: Date, required: true, index: true },
    updatedAt: { type: Date, required: true },
    acknowledgedBy: String,
    acknowledgedAt: Date,
    resolvedAt: Date,
    escalation: Schema.Types.Mixed,
    wave: { type: Number, default: 0 },
    /** Alerts written before `stepRank`: their cursor as it was. */
    cursor: Schema.Types.Mixed,
    /** The cursor of the last step run, with its wave, as one number (see stepRank). */
    stepRank: Number,
    copies: { type: [Schema.Types.Mixed], default: undefined },
    snoozedUntil: Date,
    messageKeys: { type: [String], default: [] },
    /** Keys of the timeline entries written once per key (escalation's). */
    timelineKeys: { type: [String], default: [] },
    pageLease: Date,
  },
  { collection: 'alerts', minimize: false },
);

/** `/tandem alerts`: the open and acknowledged alerts of a team. */
alertSchema.index({ teamId: 1, status: 1 });

/**
 * The open alert of a dedup key, keyed by the key itself (`kpi:<key>:<rule>`,
 * `am:…`, `events:…`): a unique `_id` insert decides which of two concurrent
 * breaches opens the alert, and finding it is an `_id` lookup.
 */
export const openAlertSchema = new Schema({ _id: { type: String, required: true }, alertId: { type: String, required: true } }, { collection: 'open_alerts' });

/** Recent openings of a dedup key, for flapping. */
export const openingsSchema = new Schema({ _id: { type: String, required: true }, at: { type: [Date], default: [] } }, { collection: 'alert_openings' });

export const silenceSchema = new Schema(
  {
    kpiKey: { type: String, default: null },
    teamId: { type: String, default: null },
    until: { type: Date, required: true },
    reason: { type: String, required: true },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'alert_silences' },
);

export interface OpenAlertDoc {
  _id: string;
  alertId: string;
}
export interface OpeningsDoc {
  _id: string;
  at: Date[];
}
export interface SilenceDoc extends Omit<Silence, 'id'> {
  _id: Types.ObjectId;
}
