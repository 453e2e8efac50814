// The restore use case: plan (order, strip, map, override) → apply → report.
export * from './actions/index.ts';
export * from './applier.ts';
export * from './deleted-in-dr.ts';
export * from './dr-restore.ts';
export * from './errors.ts';
export * from './options.ts';
export * from './planner.ts';
export * from './restore-order.ts';
export * from './restorer.ts';
export * from './result.ts';
export * from './volume-replacement.ts';
