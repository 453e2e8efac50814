// EKS: one @aws-sdk/client-eks client per region for the container, shared by the sides' clusters
// (DescribeCluster, ./clusters.ts) and the DR node groups (the capacity function).
import { EKSClient } from '@aws-sdk/client-eks';
import { EksNodeCapacity } from '../../../src/aws/eks-node-capacity.ts';
import type { BaseDependencies } from '../base.ts';
import { traced } from '../powertools.ts';
import { regionOf } from '../sides.ts';
import { perBase } from './memo.ts';
import { sdkConfig } from './sdk-config.ts';

const clients = perBase(() => new Map<string, EKSClient>());

/** The container's EKS client of `region`, made on first use. */
export function eksClient(base: BaseDependencies, region: string): EKSClient {
  const made = clients(base);
  let client = made.get(region);
  if (client === undefined) {
    client = traced(new EKSClient(sdkConfig(region)));
    made.set(region, client);
  }
  return client;
}

/** The plan's DR node groups. */
export const nodeCapacity = perBase(
  (base) => new EksNodeCapacity(eksClient(base, regionOf(base.plan, 'dr'))),
);
