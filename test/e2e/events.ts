// EventBridge events as AWS delivers them to the trigger function.

/** The backup schedule firing at `time`. */
export function scheduledEvent(time: Date): unknown {
  return {
    version: '0',
    id: `schedule-${time.getTime()}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: time.toISOString(),
    region: 'eu-west-1',
    resources: ['arn:aws:events:eu-west-1:123456789012:rule/eks-dr-shop-backup'],
    detail: {},
  };
}

/** A CloudWatch alarm changing state at `time`; EventBridge gives each delivery its own id. */
export function alarmEvent(alarmName: string, state: 'ALARM' | 'OK', time: Date, id: string): unknown {
  return {
    version: '0',
    id,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: time.toISOString(),
    region: 'eu-west-1',
    resources: [`arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: { value: state, reason: 'Threshold Crossed: 5xx rate above 5%', timestamp: time.toISOString() },
      previousState: { value: state === 'ALARM' ? 'OK' : 'ALARM' },
    },
  };
}
