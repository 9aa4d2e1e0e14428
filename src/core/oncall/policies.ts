import type { z } from 'zod';
import type { AuditLog } from '../audit.js';
import { DomainError } from '../errors.js';
import type { PeopleRepository } from '../ports.js';
import type { AlertSource, EscalationPolicy, OncallRepository, Routing, policyInputSchema } from './oncall.types.js';

type PolicyBody = z.output<typeof policyInputSchema>;

/** What routing looks at in an alert. */
export interface RoutableAlert {
  teamId: string;
  source: AlertSource;
  severity: string;
}

/** The policy id for an alert: the first rule that matches (every field it names), else the default. */
export function routePolicyId(routing: Routing, alert: RoutableAlert): string | null {
  const rule = routing.rules.find(
    (r) => (r.teamId === undefined || r.teamId === alert.teamId) && (r.sources === undefined || r.sources.includes(alert.source)) && (r.severities === undefined || r.severities.includes(alert.severity)),
  );
  return rule?.policyId ?? routing.defaultPolicyId;
}

const invalid = (path: string, message: string) => new DomainError('validation', `The request is not valid: ${path}: ${message}`, { issues: [{ in: 'body', path, message }] });

export interface PoliciesDeps {
  oncall: Pick<OncallRepository, 'getSchedule' | 'getPolicy' | 'listPolicies' | 'createPolicy' | 'updatePolicy' | 'removePolicy' | 'routing' | 'setRouting'>;
  people: Pick<PeopleRepository, 'get'>;
  audit: Pick<AuditLog, 'record'>;
}

/**
 * Escalation policies and the routing rules that pick one per alert. Every
 * write leaves one audit entry (`escalation_policy.create|update|delete`,
 * target `escalation_policy:<id>`; `escalation_routing.update`).
 */
export class ManagePolicies {
  constructor(private readonly d: PoliciesDeps) {}

  list(): Promise<EscalationPolicy[]> {
    return this.d.oncall.listPolicies();
  }

  async get(id: string): Promise<EscalationPolicy> {
    const policy = await this.d.oncall.getPolicy(id);
    if (!policy) throw new DomainError('not_found', `No escalation policy with id ${id}`, { id });
    return policy;
  }

  async create(actor: string, input: PolicyBody): Promise<EscalationPolicy> {
    await this.checkTargets(input);
    const after = await this.d.oncall.createPolicy(input);
    await this.d.audit.record({ actor, action: 'escalation_policy.create', target: `escalation_policy:${after.id}`, before: null, after });
    return after;
  }

  async update(actor: string, id: string, input: PolicyBody): Promise<EscalationPolicy> {
    const before = await this.get(id);
    await this.checkTargets(input);
    const after = await this.d.oncall.updatePolicy(id, input);
    await this.d.audit.record({ actor, action: 'escalation_policy.update', target: `escalation_policy:${after.id}`, before, after });
    return after;
  }

  /** Refuses while a routing rule or the default uses the policy. */
  async remove(actor: string, id: string): Promise<void> {
    const before = await this.get(id);
    const routing = await this.d.oncall.routing();
    if (routing.defaultPolicyId === id || routing.rules.some((r) => r.policyId === id)) {
      throw new DomainError('conflict', 'The routing rules use this policy; change them first', { id });
    }
    await this.d.oncall.removePolicy(id);
    await this.d.audit.record({ actor, action: 'escalation_policy.delete', target: `escalation_policy:${before.id}`, before, after: null });
  }

  routing(): Promise<Routing> {
    return this.d.oncall.routing();
  }

  async setRouting(actor: string, routing: Routing): Promise<Routing> {
    const ids = new Set([...routing.rules.map((r) => r.policyId), ...(routing.defaultPolicyId ? [routing.defaultPolicyId] : [])]);
    for (const id of ids) if (!(await this.d.oncall.getPolicy(id))) throw invalid('policyId', `no escalation policy with id ${id}`);
    const before = await this.d.oncall.routing();
    const after = await this.d.oncall.setRouting(routing);
    await this.d.audit.record({ actor, action: 'escalation_routing.update', target: 'escalation_routing', before, after });
    return after;
  }

  /** The policy that handles an alert; null when no rule matches and there is no default. */
  async choose(alert: RoutableAlert): Promise<EscalationPolicy | null> {
    const id = routePolicyId(await this.d.oncall.routing(), alert);
    return id ? this.d.oncall.getPolicy(id) : null;
  }

  private async checkTargets(input: PolicyBody): Promise<void> {
    for (const [i, step] of input.steps.entries()) {
      const t = step.target;
      if (t.kind === 'oncall' && !(await this.d.oncall.getSchedule(t.scheduleId))) throw invalid(`steps.${i}.target.scheduleId`, `no schedule with id ${t.scheduleId}`);
      if (t.kind === 'person' && !(await this.d.people.get(t.personId))) throw invalid(`steps.${i}.target.personId`, `no person with id ${t.personId}`);
    }
  }
}
