// The plan's notification topic, which lives in the DR region: a client in the function's own region would
// address a topic that is not there from the primary side.
import { SNSClient } from '@aws-sdk/client-sns';
import { SnsNotifier } from '../../../src/aws/sns-notifier.ts';
import type { Notifier } from '../../../src/failover/index.ts';
import { requireEnv } from '../env.ts';
import { traced } from '../powertools.ts';
import { perBase } from './memo.ts';
import { sdkConfig } from './sdk-config.ts';

/**
 * Publishes to `NOTIFICATION_TOPIC_ARN` in the DR region. The variable is read on the first publish, so a
 * function that may notify (the trigger, on an ignored alarm) only needs it when it does.
 */
export const notifierFor = perBase((base): Notifier => {
  let sns: SnsNotifier | undefined;
  return {
    async publish(subject, message) {
      sns ??= new SnsNotifier(
        traced(new SNSClient(sdkConfig(base.plan.dr.region))),
        requireEnv('NOTIFICATION_TOPIC_ARN', base.env),
      );
      return sns.publish(subject, message);
    },
  };
});
