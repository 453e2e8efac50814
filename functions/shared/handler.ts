// The shape every function shares: a handler built from its dependencies, created lazily so that importing
// a function module (tests, the sandbox) needs no environment, and a run scope that tags every log line.
import { type BaseDependencies, containerDependencies } from './base.ts';
import { logger } from './powertools.ts';
import { StackFrameMapper } from './stack-frames.ts';

const stackFrames = new StackFrameMapper();

/** The part of the Lambda context the functions use. */
export interface LambdaContextLike {
  getRemainingTimeInMillis(): number;
}

/** A function as Lambda (and the local workflow runner) calls it. */
export type StepHandler<R> = (event: unknown, context?: LambdaContextLike) => Promise<R>;

/**
 * The `handler` export: `create` gets the container's base dependencies on the first invocation and adds
 * the adapters its function uses (functions/shared/aws/*), so nothing else is bundled or built.
 */
export function lazyHandler<R>(create: (base: BaseDependencies) => StepHandler<R>): StepHandler<R> {
  let built: StepHandler<R> | undefined;
  return (event, context) => {
    built ??= create(containerDependencies());
    return built(event, context);
  };
}

/**
 * Runs one invocation with the run's keys on every log line, logging its outcome by name only: payloads
 * may carry task tokens and errors may quote inputs, so neither is logged whole.
 */
export async function inRun<T>(
  step: string,
  keys: Record<string, string>,
  work: () => Promise<T>,
): Promise<T> {
  logger.appendKeys({ ...keys, step });
  try {
    const result = await work();
    logger.info(`${step} finished`);
    return result;
  } catch (error) {
    const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
    logger.warn(`${step} failed`, {
      errorName: name,
      errorMessage: message,
      errorFrames: stackFrames.framesOf(error),
    });
    throw error;
  } finally {
    logger.removeKeys([...Object.keys(keys), 'step']);
  }
}
