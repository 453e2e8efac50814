// The sides' clusters: DescribeCluster over the small EKS client (src/aws/eks-rest-client.ts says why not
// @aws-sdk/client-eks) and a signed token, both with the function role's credentials.
import { EksClusterDirectory } from '../../../src/aws/eks-cluster-directory.ts';
import { type EksClusterApi, EksRestClient } from '../../../src/aws/eks-rest-client.ts';
import { eksToken } from '../../../src/kube/eks-token.ts';
import type { BaseDependencies } from '../base.ts';
import { ClusterConnector } from '../cluster-connector.ts';
import type { FunctionDependencies } from '../dependencies.ts';
import { awsSubsegment } from '../powertools.ts';
import { regionOf } from '../sides.ts';
import { perBase, perSide } from './memo.ts';
import { roleCredentials } from './role-credentials.ts';

const directory = perSide((base, side) => {
  const region = regionOf(base.plan, side);
  return new EksClusterDirectory(traced(new EksRestClient({ region, credentials: roleCredentials(base) })));
});
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

/** Each DescribeCluster as an X-Ray subsegment (awsSubsegment says why not captureAWSv3Client). */
function traced(client: EksRestClient): EksClusterApi {
  return {
    describeCluster: (name) =>
      awsSubsegment('EKS', 'DescribeCluster', client.region, () => client.describeCluster(name)),
  };
}
