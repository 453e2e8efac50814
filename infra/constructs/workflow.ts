// One workflow: a state machine from statemachines/<name>.asl.json with every `${XxxFunctionArn}` filled,
// logging ALL to /aws/vendedlogs/states/, X-Ray, and alarms on failed, throttled, aborted and timed-out runs.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  definitionFile,
  functionOfPlaceholder,
  placeholdersOf,
  readDefinition,
  WorkflowDefinitionError,
  type WorkflowFunction,
  type WorkflowName,
} from '../../src/workflows/definitions.ts';

/** Properties of a Workflow. */
export interface WorkflowProps {
  /** Which ASL file of statemachines/. */
  readonly workflow: WorkflowName;
  /** The functions the workflow's Task states call, by placeholder stem (`Restore` fills `${RestoreFunctionArn}`). */
  readonly functions: Readonly<Partial<Record<WorkflowFunction, lambda.IFunction>>>;
  /** A fixed name, so other stacks and functions can build the ARN without a reference. @default generated */
  readonly stateMachineName?: string;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** Where the alarms notify. @default no alarm actions */
  readonly alarmTopic?: sns.ITopic;
}

/** A state machine built from its ASL file, with its log group and alarms. */
export class Workflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  /** ExecutionsFailed, ExecutionThrottled, ExecutionsAborted and ExecutionsTimedOut alarms. */
  readonly alarms: readonly cloudwatch.Alarm[];
  /** The values given to definitionSubstitutions, by placeholder. */
  readonly substitutions: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    const file = definitionFile(props.workflow);
    const definition = readDefinition(props.workflow);
    const invoked = new Map<WorkflowFunction, lambda.IFunction>();
    const substitutions: Record<string, string> = {};
    const missing: string[] = [];
    for (const placeholder of placeholdersOf(definition)) {
      const stem = functionOfPlaceholder(placeholder);
      const fn = stem === undefined ? undefined : props.functions[stem];
      if (stem === undefined || fn === undefined) {
        missing.push(`\${${placeholder}}`);
        continue;
      }
      invoked.set(stem, fn);
      substitutions[placeholder] = fn.functionArn;
    }
    if (missing.length > 0) {
      throw new WorkflowDefinitionError(`${file}: no value for ${missing.join(', ')}`);
    }
    this.substitutions = substitutions;

    const waitsForTaskToken = definition.includes('.waitForTaskToken');
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName ?? `eks-dr-${props.workflow}-${this.node.addr.slice(0, 8)}`}`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromFile(file),
      definitionSubstitutions: substitutions,
      ...(props.stateMachineName === undefined ? {} : { stateMachineName: props.stateMachineName }),
      stateMachineType: sfn.StateMachineType.STANDARD,
      tracingEnabled: true,
      // Every event is logged, with its data unless the workflow waits for a task token (the approval): a
      // token in a log would let anyone who reads the logs approve or reject a recovery. The execution
      // history, behind states:GetExecutionHistory, still shows the data to those allowed to see it.
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: !waitsForTaskToken },
    });
    for (const fn of invoked.values()) fn.grantInvoke(this.stateMachine);

    const metrics: [string, cloudwatch.Metric][] = [
      ['Failed', this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' })],
      ['Throttled', this.stateMachine.metricThrottled({ period: Duration.minutes(5), statistic: 'Sum' })],
      ['Aborted', this.stateMachine.metricAborted({ period: Duration.minutes(5), statistic: 'Sum' })],
      ['TimedOut', this.stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' })],
    ];
    this.alarms = metrics.map(([what, metric]) => {
      const alarm = metric.createAlarm(this, `${what}Alarm`, {
        alarmDescription: `eks-dr ${props.workflow} workflow: an execution ${what.toLowerCase()}`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      if (props.alarmTopic !== undefined) alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
      return alarm;
    });
  }
}
