// The demo shows logical steps, not ASL states: a Wait → Check → Choice loop is one step ("Capacity up"),
// and each step id is the one RunReporter puts on its timeline, so live progress and the report line up.
import type { ReportedWorkflow } from '../../src/failover/report.ts';

/** What a loop counts, for "Capacity up … 3 checks". */
export interface LoopCounter {
  /** The state whose every entry is one round. */
  state: string;
  singular: string;
  plural: string;
}

/** One logical step of a workflow. */
export interface StepSpec {
  /** The RunReporter timeline step (`capacity`, `restore`, ...), or `report` for the Report task. */
  id: string;
  /** States that belong to the step. */
  states: readonly string[];
  counter?: LoopCounter;
}

const CHECK = { singular: 'check', plural: 'checks' };

// Every state of the four ASL files that is part of a step; the Start Pass, routing Choices and the Fail
// state belong to none and leave progress as it is.
const STEPS: readonly StepSpec[] = [
  { id: 'guard', states: ['Guard'] },
  { id: 'approval', states: ['WaitForApproval'] },
  { id: 'snapshot', states: ['Snapshot', 'SnapshotDr'] },
  {
    id: 'volumeSnapshots',
    states: ['WaitForVolumeSnapshots', 'CheckVolumeSnapshots', 'VolumeSnapshotsDone'],
    counter: { state: 'CheckVolumeSnapshots', ...CHECK },
  },
  {
    id: 'volumeCopies',
    states: ['StartVolumeCopies', 'WaitForVolumeCopies', 'CheckVolumeCopies', 'VolumeCopiesDone'],
    counter: { state: 'CheckVolumeCopies', ...CHECK },
  },
  { id: 'copy', states: ['Copy'] },
  { id: 'backup', states: ['PickBackup', 'CopyToPrimary'] },
  {
    id: 'capacity',
    states: ['ScaleUp', 'WaitForScaleUp', 'CheckScaleUp', 'ScaleUpDone'],
    counter: { state: 'CheckScaleUp', ...CHECK },
  },
  {
    id: 'restore',
    states: ['PrepareRestore', 'Restore', 'RestoreDone'],
    counter: { state: 'Restore', singular: 'chunk', plural: 'chunks' },
  },
  {
    id: 'workloads',
    states: ['WaitForWorkloads', 'CheckWorkloads', 'WorkloadsDone'],
    counter: { state: 'CheckWorkloads', ...CHECK },
  },
  { id: 'health', states: ['HealthGate'] },
  {
    id: 'dns',
    states: ['ChangeDns', 'WaitForDns', 'CheckDns', 'DnsInSync'],
    counter: { state: 'CheckDns', ...CHECK },
  },
  { id: 'cleanup', states: ['Cleanup'] },
  { id: 'scaleDown', states: ['ScaleDown'] },
  { id: 'prune', states: ['Prune'] },
  { id: 'report', states: ['Report', 'ReportFailure', 'ReportNotRun'] },
];

const BY_STATE = new Map<string, StepSpec>(STEPS.flatMap((spec) => spec.states.map((s) => [s, spec])));

const LABELS: Record<string, string> = {
  guard: 'Guard',
  approval: 'Approval',
  snapshot: 'Snapshot',
  volumeSnapshots: 'Volume snapshots',
  volumeCopies: 'Volume copies',
  copy: 'Copy to DR',
  backup: 'Pick backup',
  capacity: 'Capacity up',
  restore: 'Restore',
  workloads: 'Workloads ready',
  health: 'Health gate',
  dns: 'DNS cutover',
  cleanup: 'Cleanup',
  scaleDown: 'Capacity down',
  prune: 'Prune',
  report: 'Report',
};

// The same step id means something else on the way back.
const FAILBACK_LABELS: Record<string, string> = {
  snapshot: 'Snapshot DR',
  backup: 'Copy to primary',
  dns: 'DNS back',
};

/** The logical step a state belongs to, or undefined for routing states (Start, ApprovalRequired, ...). */
export function stepOfState(state: string): StepSpec | undefined {
  return BY_STATE.get(state);
}

/** A person's name for a step id; unknown ids are shown as they are. */
export function stepLabel(id: string, workflow?: ReportedWorkflow): string {
  if (workflow === 'failback' && FAILBACK_LABELS[id]) return FAILBACK_LABELS[id];
  return LABELS[id] ?? id;
}

/** `3 checks`, `1 chunk`; undefined when the step is not a loop. */
export function counterText(id: string, rounds: number): string | undefined {
  const counter = STEPS.find((spec) => spec.id === id)?.counter;
  if (!counter || rounds < 1) return undefined;
  return `${rounds} ${rounds === 1 ? counter.singular : counter.plural}`;
}
