// EKS node groups of the DR cluster, over @aws-sdk/client-eks (the sides' clusters themselves are reached
// through ./clusters.ts, which needs no SDK client).
import { EKSClient } from '@aws-sdk/client-eks';
import { EksNodeCapacity } from '../../../src/aws/eks-node-capacity.ts';
import { traced } from '../powertools.ts';
import { regionOf } from '../sides.ts';
import { perBase } from './memo.ts';

/** The plan's DR node groups. */
export const nodeCapacity = perBase(
  (base) => new EksNodeCapacity(traced(new EKSClient({ region: regionOf(base.plan, 'dr') }))),
);
