// One Lambda function of eks-dr: functions/<file>.ts bundled with the local esbuild, Node.js 22 on arm64,
// Powertools environment, X-Ray, its own log group and its own role (no AWS managed policies).
import { join } from 'node:path';
import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  PLAN_FINGERPRINT_VARIABLE,
  PLAN_VARIABLE,
  planFingerprint,
  planVariableValue,
} from '../../src/plan/index.ts';
import { lambdaBundling } from './bundling.ts';

/** Root of the repository: functions/, package-lock.json. */
export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

/** Lambda refuses a function whose environment (keys and values) exceeds 4 KB. */
export const LAMBDA_ENVIRONMENT_LIMIT = 4096;
// A token (an ARN with the account in it) has no length at synth time; reserve this much for each.
const TOKEN_ALLOWANCE = 128;

/** Raised at synth when a function cannot be built as asked (e.g. its environment is too large). */
export class FunctionConfigurationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FunctionConfigurationError';
  }
}

/** Properties of an EksDrFunction. */
export interface EksDrFunctionProps {
  /** The file stem in functions/, e.g. `restore` for functions/restore.ts. */
  readonly file: string;
  /** The deployed plan as compact JSON (EKS_DR_PLAN). */
  readonly planJson: string;
  /** Which half of the plan this stack serves (EKS_DR_SIDE_REGION). */
  readonly side: 'primary' | 'dr';
  /** Further environment variables (workflow ARNs, topic ARN). @default none */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default Duration.minutes(1) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** A fixed role name, for roles other regions' stacks refer to (EKS access entries). @default generated */
  readonly roleName?: string;
  /** Reserved concurrency. @default none: the account's unreserved pool */
  readonly reservedConcurrentExecutions?: number;
  /** Where failed asynchronous invocations go after their retries. @default none */
  readonly deadLetterQueue?: sqs.IQueue;
  /** Retries of a failed asynchronous invocation (0-2). @default 2 when deadLetterQueue is set */
  readonly asyncRetryAttempts?: number;
  /** How long an asynchronous event may wait for a retry. @default Duration.hours(1) when deadLetterQueue is set */
  readonly maxEventAge?: Duration;
}

/** A function of functions/ deployed with the settings every eks-dr function shares. */
export class EksDrFunction extends Construct {
  /** The Lambda function. */
  readonly function: NodejsFunction;
  /** Its execution role; callers add the statements the function needs. */
  readonly role: iam.Role;
  /** Its log group. */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: EksDrFunctionProps) {
    super(scope, id);
    const environment: Record<string, string> = {
      [PLAN_VARIABLE]: planVariableValue(props.planJson),
      // Checked at cold start instead of validating the plan again (src/plan/deployed-plan.ts).
      [PLAN_FINGERPRINT_VARIABLE]: planFingerprint(props.planJson),
      EKS_DR_SIDE_REGION: props.side,
      POWERTOOLS_SERVICE_NAME: 'eks-dr',
      POWERTOOLS_METRICS_NAMESPACE: 'EksDr',
      // No --enable-source-maps: it decodes the whole map on every cold start (17–42 ms, 23–48% more load time);
      // functions/shared/stack-frames.ts maps the frames of a failed step from index.js.map instead.
      ...props.environment,
    };
    const size = environmentSize(environment);
    if (size > LAMBDA_ENVIRONMENT_LIMIT) {
      throw new FunctionConfigurationError(
        `function ${props.file}: environment is about ${size} bytes, above Lambda's ${LAMBDA_ENVIRONMENT_LIMIT}; EKS_DR_PLAN alone is ${planVariableValue(props.planJson).length} bytes: shorten the plan (drop descriptions, defaults)`,
      );
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `eks-dr ${props.file} function (${props.side})`,
      ...(props.roleName === undefined ? {} : { roleName: props.roleName }),
    });
    this.logGroup.grantWrite(this.role);

    const asyncFailures = props.deadLetterQueue;
    this.function = new NodejsFunction(this, 'Function', {
      entry: join(PROJECT_ROOT, 'functions', `${props.file}.ts`),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.minutes(1),
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment,
      bundling: lambdaBundling(),
      description: `eks-dr: functions/${props.file}.ts`,
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      ...(asyncFailures === undefined
        ? {}
        : {
            deadLetterQueueEnabled: true,
            deadLetterQueue: asyncFailures,
            retryAttempts: props.asyncRetryAttempts ?? 2,
            maxEventAge: props.maxEventAge ?? Duration.hours(1),
          }),
    });

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to Node.js 22, the runtime the bundles are built (target node22) and tested for; moved deliberately.',
    });
  }

  /** Adds statements to the function's role. */
  allow(...statements: iam.PolicyStatement[]): void {
    for (const statement of statements) this.role.addToPrincipalPolicy(statement);
  }
}

/** Bytes of an environment as Lambda counts them, with an allowance for each unresolved token. */
export function environmentSize(environment: Readonly<Record<string, string>>): number {
  let size = 0;
  for (const [key, value] of Object.entries(environment)) {
    size += key.length;
    size += Token.isUnresolved(value)
      ? value.replace(/\$\{Token\[[^\]]+\]\}/g, '').length + TOKEN_ALLOWANCE
      : Buffer.byteLength(value);
  }
  return size;
}

/**
 * The snapshot streams a whole cluster through one process; a bounded heap keeps its memory flat (peak RSS
 * ≈ 170 MB for 100k objects in bench/snapshot.ts, which runs its workers with these same options).
 */
export const SNAPSHOT_NODE_OPTIONS = '--max-old-space-size=192 --max-semi-space-size=16';
