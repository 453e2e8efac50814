// A source and a DR region of the EC2 stand-in on a modelled clock that only the test (or an injected sleep)
// moves, so hours of snapshot and copy time pass in microseconds.

import { Ec2Registry, type Ec2StandIn } from '../../sandbox/aws/ec2-standin.ts';
import type { Now } from '../../src/util/clock.ts';

export const SOURCE = 'eu-west-1';
export const DR = 'eu-central-1';
export const DR_KEY = 'arn:aws:kms:eu-central-1:111122223333:key/dr-key';

export interface World {
  registry: Ec2Registry;
  source: Ec2StandIn;
  dr: Ec2StandIn;
  now: () => number;
  /** The same modelled time as a Date, the engine's clock shape. */
  clock: Now;
  sleep: (ms: number) => Promise<void>;
  advance: (ms: number) => void;
}

/** Two linked regions on a fake clock; throttling retries do not wait. */
export function aWorld(): World {
  let clock = 1_700_000_000_000;
  const registry = new Ec2Registry({ now: () => clock, retry: { sleep: async () => {}, attempts: 4 } });
  return {
    registry,
    source: registry.region(SOURCE),
    dr: registry.region(DR),
    now: () => clock,
    clock: () => new Date(clock),
    sleep: async (ms) => {
      clock += ms;
    },
    advance: (ms) => {
      clock += ms;
    },
  };
}
