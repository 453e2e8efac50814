// The sides' clusters: DescribeCluster through the region's EKS client and an EKS token signed with the
// function role's credentials, joined by the engine's ClusterConnector.
import { EksClusterDirectory } from '../../../src/aws/eks-cluster-directory.ts';
import { ClusterConnector } from '../../../src/kube/cluster-connector.ts';
import { eksToken } from '../../../src/kube/eks-token.ts';
import type { BaseDependencies } from '../base.ts';
import type { FunctionDependencies } from '../dependencies.ts';
import type { Side } from '../envelope.ts';
import { clusterNameOf, regionOf } from '../sides.ts';
import { eksClient } from './eks.ts';
import { perBase, perSide } from './memo.ts';
import { roleCredentials } from './role-credentials.ts';

const directory = perSide(
  (base, side) => new EksClusterDirectory(eksClient(base, regionOf(base.plan, side))),
);
const connector = perBase(
  (base) =>
    new ClusterConnector<Side>({
      clusterName: (side) => clusterNameOf(base.plan, side),
      directory: (side) => directory(base, side),
      token: (side, clusterName) =>
        eksToken({ clusterName, region: regionOf(base.plan, side), credentials: roleCredentials(base) }),
    }),
);

/** A client of one side's cluster, rebuilt before its token expires. */
export function clusterClients(base: BaseDependencies): FunctionDependencies['cluster'] {
  return (side) => connector(base).client(side);
}
