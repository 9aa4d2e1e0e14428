import { z } from 'zod';
import { defineJob, defineJobs } from '../job-declarations.js';
import type { Oncall } from './oncall.js';

/** The coverage look-ahead; the demo clock skips it like other housekeeping. */
const COVERAGE_JOB = 'oncall.coverage.reconcile';

/**
 * On-call runs on the alerts queue, beside escalation, so no fan-out delays
 * it: hourly, the look-ahead for gaps in coverage over the next 7 days (each
 * gap is told to the team's manager once).
 */
export const oncallJobs = (oncall: Oncall) =>
  defineJobs('alerts', {
    jobs: [defineJob(COVERAGE_JOB, z.object({}), () => oncall.checkCoverage())],
    recurring: [{ id: COVERAGE_JOB, pattern: '23 * * * *', timeZone: 'UTC', name: COVERAGE_JOB, data: {} }],
  });
