// Route 53: the plan's records to the DR side (cutover) or back (failback), and whether the change is INSYNC.

import { type DnsChangeResult, DnsCutover, type Timed, timed } from '../src/failover/index.ts';
import * as z from '../src/util/zod.ts';
import { recoveryLedger } from './shared/aws/dynamodb.ts';
import { dnsProvider } from './shared/aws/route53.ts';
import type { FunctionDependencies } from './shared/dependencies.ts';
import { envelopeSchema, parseInput, runKeys, sideSchema } from './shared/envelope.ts';
import { inRun, lazyHandler, type StepHandler } from './shared/handler.ts';

const dnsInput = z.discriminatedUnion('action', [
  z.extend(envelopeSchema, { side: sideSchema, action: z.literal('cutover') }),
  z.extend(envelopeSchema, { side: sideSchema, action: z.literal('failback') }),
  z.extend(envelopeSchema, {
    side: sideSchema,
    action: z.literal('status'),
    change: z.looseObject({ changeId: z.string().check(z.minLength(1, 'must not be empty')) }),
  }),
]);

/** What a status check answers. */
export interface DnsStatusResult {
  insync: boolean;
  status: string;
  changeId: string;
}

/** The dns function over its dependencies. */
export function createHandler(
  deps: Pick<FunctionDependencies, 'plan' | 'dns' | 'ledger' | 'now'>,
): StepHandler<Timed<DnsChangeResult | DnsStatusResult>> {
  return async (event) => {
    const request = parseInput('Dns', dnsInput, event);
    return inRun(
      `dns ${request.action}`,
      runKeys(request, deps.plan.name),
      (): Promise<Timed<DnsChangeResult | DnsStatusResult>> => {
        const cutover = new DnsCutover({
          planName: deps.plan.name,
          dns: deps.plan.dns,
          provider: deps.dns,
          activeSide: { ledger: deps.ledger, executionName: request.executionName, now: deps.now },
        });
        if (request.action === 'status') {
          const { changeId } = request.change;
          return timed(deps.now, async () => ({ ...(await cutover.status(changeId)), changeId }));
        }
        return timed(deps.now, () => (request.action === 'cutover' ? cutover.cutover() : cutover.failback()));
      },
    );
  };
}

/** The Lambda entry point. */
export const handler = lazyHandler((base) =>
  createHandler({ ...base, dns: dnsProvider(base), ledger: recoveryLedger(base) }),
);
