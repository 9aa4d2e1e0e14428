import type { AuditLog } from '../audit.js';
import type { TandemCommand } from '../help/help.service.js';
import type { FeatureDeps } from '../ports.js';
import { OncallChat } from './chat.js';
import { coverageCheck } from './coverage.js';
import { leaderFigures, type LeaderFiguresDeps } from './leader-figures.js';
import type { OncallRepository } from './oncall.types.js';
import { Overrides } from './overrides.js';
import { ManagePolicies } from './policies.js';
import { ManageSchedules, ScheduleReads } from './schedules.js';

export interface OncallDeps extends FeatureDeps {
  oncall: OncallRepository;
  audit: AuditLog;
  alerts: LeaderFiguresDeps['alerts'];
}

/**
 * On-call, one use case per file: schedules (reads, shifts, admin writes),
 * overrides (admin API and chat cover), the coverage look-ahead, escalation
 * policies and routing. Registers `/tandem oncall` and returns the operations
 * jobs and admin routes call; every admin write is audited here, in core.
 * Escalation itself (escalation.ts) is built by the alerts feature over its
 * own alerts and these policies.
 */
export function createOncall(d: OncallDeps, chat: { tandem: TandemCommand }) {
  const reads = new ScheduleReads(d);
  const schedules = new ManageSchedules({ ...d, reads });
  const overrides = new Overrides({ ...d, reads });
  const policies = new ManagePolicies(d);
  new OncallChat({ ...d, reads, overrides }).register(chat.tandem);
  return {
    // jobs
    checkCoverage: coverageCheck(d),
    // admin API
    schedules: {
      list: () => reads.list(),
      get: (id: string) => reads.get(id),
      shifts: reads.shifts.bind(reads),
      create: schedules.create.bind(schedules),
      update: schedules.update.bind(schedules),
      remove: schedules.remove.bind(schedules),
      addOverride: overrides.add.bind(overrides),
      removeOverride: overrides.remove.bind(overrides),
    },
    policies: {
      list: () => policies.list(),
      get: (id: string) => policies.get(id),
      create: policies.create.bind(policies),
      update: policies.update.bind(policies),
      remove: policies.remove.bind(policies),
      routing: () => policies.routing(),
      setRouting: policies.setRouting.bind(policies),
    },
    figures: (from: Date, to: Date, timeZone: string) => leaderFigures(d, from, to, timeZone),
    // chat, and escalation when an alert opens
    nowAndNext: (teamId: string) => reads.nowAndNext(teamId),
    choosePolicy: policies.choose.bind(policies),
  };
}

export type Oncall = ReturnType<typeof createOncall>;
