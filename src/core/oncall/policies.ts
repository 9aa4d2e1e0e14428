import type { z } from 'zod';
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

/** Escalation policies and the routing rules that pick one per alert. */
export class PolicyService {
  constructor(
    private readonly repo: OncallRepository,
    private readonly people: PeopleRepository,
  ) {}

  list(): Promise<EscalationPolicy[]> {
    return this.repo.listPolicies();
  }

  async get(id: string): Promise<EscalationPolicy> {
    const policy = await this.repo.getPolicy(id);
    if (!policy) throw new DomainError('not_found', `No escalation policy with id ${id}`, { id });
    return policy;
  }

  async create(input: PolicyBody): Promise<EscalationPolicy> {
    await this.checkTargets(input);
    return this.repo.createPolicy(input);
  }

  async update(id: string, input: PolicyBody): Promise<EscalationPolicy> {
    await this.get(id);
    await this.checkTargets(input);
    return this.repo.updatePolicy(id, input);
  }

  /** Refuses while a routing rule or the default uses the policy. */
  async remove(id: string): Promise<EscalationPolicy> {
    const before = await this.get(id);
    const routing = await this.repo.routing();
    if (routing.defaultPolicyId === id || routing.rules.some((r) => r.policyId === id)) {
      throw new DomainError('conflict', 'The routing rules use this policy; change them first', { id });
    }
    await this.repo.removePolicy(id);
    return before;
  }

  routing(): Promise<Routing> {
    return this.repo.routing();
  }

  async setRouting(routing: Routing): Promise<Routing> {
    const ids = new Set([...routing.rules.map((r) => r.policyId), ...(routing.defaultPolicyId ? [routing.defaultPolicyId] : [])]);
    for (const id of ids) if (!(await this.repo.getPolicy(id))) throw invalid('policyId', `no escalation policy with id ${id}`);
    return this.repo.setRouting(routing);
  }

  /** The policy that handles an alert; null when no rule matches and there is no default. */
  async choose(alert: RoutableAlert): Promise<EscalationPolicy | null> {
    const id = routePolicyId(await this.repo.routing(), alert);
    return id ? this.repo.getPolicy(id) : null;
  }

  private async checkTargets(input: PolicyBody): Promise<void> {
    for (const [i, step] of input.steps.entries()) {
      const t = step.target;
      if (t.kind === 'oncall' && !(await this.repo.getSchedule(t.scheduleId))) throw invalid(`steps.${i}.target.scheduleId`, `no schedule with id ${t.scheduleId}`);
      if (t.kind === 'person' && !(await this.people.get(t.personId))) throw invalid(`steps.${i}.target.personId`, `no person with id ${t.personId}`);
    }
  }
}
