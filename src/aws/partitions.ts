// The one place that knows AWS partitions: which partition a region is in and the DNS suffix of its
// endpoints, as the SDK's own endpoint resolution knows them (@aws-sdk/util-endpoints reads the partition
// table every SDK client ships), so China (`amazonaws.com.cn`), GovCloud, the ISO partitions and regions
// added after this code was written all come out as the SDK would address them.
import { partition } from '@aws-sdk/util-endpoints';

/** What eks-dr needs of a partition. */
export interface AwsPartition {
  /** `aws`, `aws-cn`, `aws-us-gov`, … : the second field of every ARN in it. */
  readonly name: string;
  /** `amazonaws.com`, `amazonaws.com.cn`, …: the suffix of its regional endpoints. */
  readonly dnsSuffix: string;
  /** Where the partition's global services (Route 53, IAM) take API calls: us-east-1, cn-northwest-1, us-gov-west-1. */
  readonly globalRegion: string;
}

/** The partition `region` belongs to (an unknown region is taken as the `aws` partition, as the SDK does). */
export function awsPartition(region: string): AwsPartition {
  // The partition table carries implicitGlobalRegion; the package's EndpointPartition type does not name it yet.
  const found: { name: string; dnsSuffix: string; implicitGlobalRegion?: string } = partition(region);
  const { name, dnsSuffix, implicitGlobalRegion } = found;
  if (!implicitGlobalRegion) {
    throw new Error(
      `partition ${name} of region ${region}: the SDK's partition table names no implicitGlobalRegion`,
    );
  }
  return { name, dnsSuffix, globalRegion: implicitGlobalRegion };
}

/** The regional endpoint host of a service: `sts.eu-west-1.amazonaws.com`, `s3.cn-north-1.amazonaws.com.cn`. */
export function regionalHost(service: string, region: string): string {
  return `${service}.${region}.${awsPartition(region).dnsSuffix}`;
}
