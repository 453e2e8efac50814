// EC2: EBS snapshots and volumes of each side's region, over @aws-sdk/client-ec2 with the SDK's default
// credential chain and the retry of ./sdk-config.ts. One client per side and container, traced by the Powertools tracer.
import { EC2Client } from '@aws-sdk/client-ec2';
import { Ec2VolumeSnapshots } from '../../../src/aws/ec2-volume-snapshots.ts';
import type { BaseDependencies } from '../base.ts';
import type { FunctionDependencies } from '../dependencies.ts';
import { traced } from '../powertools.ts';
import { regionOf } from '../sides.ts';
import { perSide } from './memo.ts';
import { sdkConfig } from './sdk-config.ts';

const volumes = perSide((base, side) => {
  const region = regionOf(base.plan, side);
  return new Ec2VolumeSnapshots(traced(new EC2Client(sdkConfig(region))), { region });
});

/** The EBS snapshots and volumes of each side. */
export function volumeSnapshotsOf(base: BaseDependencies): FunctionDependencies['volumeSnapshots'] {
  return (side) => volumes(base, side);
}
