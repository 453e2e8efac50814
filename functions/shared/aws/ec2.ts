// EC2: EBS snapshots and volumes of each side's region, over the small Query client rather than
// @aws-sdk/client-ec2 (issue 7: that client alone kept four bundles over 1 MB).
import { type Ec2Api, Ec2QueryClient, type Ec2QueryParams } from '../../../src/aws/ec2-query-client.ts';
import { Ec2VolumeSnapshots } from '../../../src/aws/ec2-volume-snapshots.ts';
import type { XmlElement } from '../../../src/aws/query-xml.ts';
import type { BaseDependencies } from '../base.ts';
import type { FunctionDependencies } from '../dependencies.ts';
import { tracer } from '../powertools.ts';
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

/**
 * Each EC2 call as an X-Ray subsegment shaped like the ones captureAWSv3Client makes for SDK clients (name
 * `EC2`, namespace `aws`, the operation and region), which cannot wrap this client. The subsegment is not made
 * the active segment: calls run concurrently and nothing is traced beneath them.
 */
function traced(client: Ec2QueryClient): Ec2Api {
  return {
    region: client.region,
    presignUrl: (action, params, region) => client.presignUrl(action, params, region),
    async call(action: string, params: Ec2QueryParams): Promise<XmlElement> {
      const parent = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
      if (parent === undefined) return client.call(action, params);
      const subsegment = parent.addNewSubsegment('EC2');
      subsegment.namespace = 'aws';
      subsegment.addAttribute('aws', { operation: action, region: client.region });
      try {
        const answer = await client.call(action, params);
        subsegment.close();
        return answer;
      } catch (error) {
        subsegment.close(error instanceof Error ? error : String(error), true);
        throw error;
      }
    },
  };
}
