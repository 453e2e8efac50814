// A small stack in a region that holds plan alarms but neither half of the plan, in practice us-east-1 where
// Route 53 health-check metrics (and so their alarms) live: it forwards those alarm events to the DR region.
import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { DrPlan } from '../../src/plan/index.ts';
import { forwardAlarms } from './alarm-forwarding.ts';
import { triggerDeadLetterQueue } from './common.ts';
import { acknowledgeWildcards } from './nag.ts';

/** Properties of an alarm forwarder stack. */
export interface AlarmForwarderStackProps extends StackProps {
  readonly plan: DrPlan;
  /** The region whose alarm events are forwarded (e.g. us-east-1). */
  readonly alarmRegion: string;
}

/** Forwards the plan's alarm events of one region to the DR region's default event bus. */
export class AlarmForwarderStack extends Stack {
  readonly rule: events.Rule;
  /** Events the cross-region delivery gave up on. */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: AlarmForwarderStackProps) {
    super(scope, id, { ...props, env: { ...props.env, region: props.alarmRegion } });
    this.deadLetterQueue = triggerDeadLetterQueue(this);
    const rule = forwardAlarms(this, props.plan, props.alarmRegion, this.deadLetterQueue);
    if (rule === undefined) {
      throw new Error(
        `AlarmForwarderStack: plan ${props.plan.name} has no alarm in ${props.alarmRegion} to forward`,
      );
    }
    this.rule = rule;
    acknowledgeWildcards(this);
  }
}
