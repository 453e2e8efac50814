// Step Functions: starting and watching the plan's workflows, which each stack deploys in its own region.
import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnWorkflows } from '../../../src/aws/sfn-workflows.ts';
import { traced } from '../powertools.ts';
import { perBase } from './memo.ts';
import { sdkConfig } from './sdk-config.ts';

/** Starts and inspects executions of this region's state machines. */
export const workflowStarter = perBase(() => new SfnWorkflows(traced(new SFNClient(sdkConfig(undefined)))));
