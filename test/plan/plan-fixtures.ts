// A minimal valid plan and a way to bend it, so each test states only the field it is about.
import { InvalidPlanError } from '../../src/plan/errors.ts';
import { parsePlan } from '../../src/plan/load-plan.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests reach into the raw JSON, including fields the schema refuses.
export type RawPlan = Record<string, any>;

/** The smallest plan the schema accepts: regions, clusters, buckets and objectives. */
export function minimalPlan(): RawPlan {
  return {
    name: 'shop',
    primary: { region: 'eu-west-1', clusterName: 'shop-prod', backupBucket: 'shop-backups-euw1' },
    dr: { region: 'eu-central-1', clusterName: 'shop-dr', backupBucket: 'shop-backups-euc1' },
    objectives: { rtoMinutes: 30, rpoMinutes: 90 },
  };
}

/** A DNS section that passes on its own (a health check must come with it). */
export function dnsSection(): RawPlan {
  return {
    hostedZoneId: 'Z0123456789ABCDEFGHIJ',
    records: [
      {
        name: 'shop.example.com',
        type: 'A',
        mode: 'swap',
        primary: { values: ['203.0.113.10'] },
        dr: { values: ['198.51.100.10'] },
      },
    ],
  };
}

/** minimalPlan with `change` applied to a fresh copy. */
export function planWith(change: (plan: RawPlan) => void): RawPlan {
  const plan = minimalPlan();
  change(plan);
  return plan;
}

/** The `path: message` lines parsePlan reports for `plan`; fails the test when the plan is accepted. */
export function issuesOf(plan: unknown): string[] {
  try {
    parsePlan(plan, 'test-plan.json');
  } catch (error) {
    if (!(error instanceof InvalidPlanError)) throw error;
    return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  throw new Error('expected the plan to be rejected');
}
