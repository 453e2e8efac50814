// EC2: EBS snapshots and volumes of each side's region, over the small Query client rather than
// @aws-sdk/client-ec2 (issue 7: that client alone kept four bundles over 1 MB).
import { type Ec2Api, Ec2QueryClient, type Ec2QueryParams } from '../../../src/aws/ec2-query-client.ts';
import { Ec2VolumeSnapshots } from '../../../src/aws/ec2-volume-snapshots.ts';
import type { XmlElement } from '../../../src/aws/query-xml.ts';
import type { BaseDependencies } from '../base.ts';
import type { FunctionDependencies } from '../dependencies.ts';
import { awsSubsegment } from '../powertools.ts';
import { regionOf } from '../sides.ts';
import { perSide } from './memo.ts';
import { roleCredentials } from './role-credentials.ts';

const volumes = perSide((base, side) => {
  const region = regionOf(base.plan, side);
  return new Ec2VolumeSnapshots(traced(new Ec2QueryClient({ region, credentials: roleCredentials(base) })), {
    region,
  });
});

/** The EBS snapshots and volumes of each side. */
export function volumeSnapshotsOf(base: BaseDependencies): FunctionDependencies['volumeSnapshots'] {
  return (side) => volumes(base, side);
}

/** Each EC2 call as an X-Ray subsegment (awsSubsegment says why not captureAWSv3Client). */
function traced(client: Ec2QueryClient): Ec2Api {
  return {
    region: client.region,
    presignUrl: (action, params, region) => client.presignUrl(action, params, region),
    call: (action: string, params: Ec2QueryParams): Promise<XmlElement> =>
      awsSubsegment('EC2', action, client.region, () => client.call(action, params)),
  };
}
