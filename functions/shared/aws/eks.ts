// EKS: the sides' clusters (DescribeCluster and a signed token) and the DR node groups.
import { EKSClient } from '@aws-sdk/client-eks';
import { EksClusterDirectory } from '../../../src/aws/eks-cluster-directory.ts';
import { EksNodeCapacity } from '../../../src/aws/eks-node-capacity.ts';
import { eksToken } from '../../../src/kube/eks-token.ts';
import type { BaseDependencies } from '../base.ts';
import { ClusterConnector } from '../cluster-connector.ts';
import type { FunctionDependencies } from '../dependencies.ts';
import { traced } from '../powertools.ts';
import { regionOf } from '../sides.ts';
import { perBase, perSide } from './memo.ts';
import { roleCredentials } from './role-credentials.ts';

const client = perSide((base, side) => traced(new EKSClient({ region: regionOf(base.plan, side) })));
const directory = perSide((base, side) => new EksClusterDirectory(client(base, side)));
const connector = perBase(
  (base) =>
    new ClusterConnector({
      plan: base.plan,
      directory: (side) => directory(base, side),
      token: (side, clusterName) =>
        eksToken({ clusterName, region: regionOf(base.plan, side), credentials: roleCredentials(base) }),
    }),
);

/** A client of one side's cluster, rebuilt before its token expires. */
export function clusterClients(base: BaseDependencies): FunctionDependencies['cluster'] {
  return (side) => connector(base).client(side);
}

/** The plan's DR node groups. */
export const nodeCapacity = perBase((base) => new EksNodeCapacity(client(base, 'dr')));
