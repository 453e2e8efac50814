// Alarm events of the plan: one event pattern for every region, and the rule that forwards a region's alarm
// events to the DR region's default bus (EventBridge cross-region target, no Lambda on the way).
import type { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { DrPlan } from '../../src/plan/index.ts';
import { defaultBusArn } from './names.ts';

/** The region an alarm of the plan lives in (the primary region unless it says otherwise). */
export function alarmRegion(plan: DrPlan, alarm: DrPlan['failover']['alarms'][number]): string {
  return alarm.region ?? plan.primary.region;
}

/** Names of the plan's alarms that live in `region`, sorted and unique. */
export function alarmNamesIn(plan: DrPlan, region: string): string[] {
  return [
    ...new Set(
      plan.failover.alarms.filter((alarm) => alarmRegion(plan, alarm) === region).map((a) => a.name),
    ),
  ].sort();
}

/** "CloudWatch Alarm State Change" to ALARM for the given alarm names. */
export function alarmEventPattern(names: readonly string[]): events.EventPattern {
  return {
    source: ['aws.cloudwatch'],
    detailType: ['CloudWatch Alarm State Change'],
    detail: { alarmName: [...names], state: { value: ['ALARM'] } },
  };
}

/** A rule forwarding the plan's alarm events of `region` to the DR region's bus, or undefined when there are none. */
export function forwardAlarms(
  stack: Stack,
  plan: DrPlan,
  region: string,
  deadLetterQueue: sqs.IQueue,
): events.Rule | undefined {
  const names = alarmNamesIn(plan, region);
  if (names.length === 0 || region === plan.dr.region) return undefined;
  const drBus = events.EventBus.fromEventBusArn(stack, 'DrEventBus', defaultBusArn(stack, plan.dr.region));
  return new events.Rule(stack, 'ForwardAlarmsToDr', {
    description: `eks-dr ${plan.name}: alarm state changes of ${region} to the ${plan.dr.region} default bus`,
    eventPattern: alarmEventPattern(names),
    targets: [
      // EventBridge retries cross-region delivery for 24 hours; what still fails lands in the queue.
      new targets.EventBus(drBus, { deadLetterQueue }),
    ],
  });
}
