import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// One setup for every test: a region and fake credentials so no SDK client ever looks for real ones,
// and the Node 22 Promise.withResolvers that aws-local-stepfunctions expects (Node here is 20).
process.env.AWS_REGION ??= 'eu-west-1';
process.env.AWS_ACCESS_KEY_ID ??= 'AKIAEXAMPLEEXAMPLE00';
process.env.AWS_SECRET_ACCESS_KEY ??= 'fake-secret-for-tests';
// The CLI makes a signing key on first use in the user's config directory; tests get their own, never ~/.config.
process.env.EKS_DR_CONFIG_DIR ??= mkdtempSync(join(tmpdir(), 'eks-dr-config-'));

type Resolvers<T> = { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void };
const promiseCtor = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };
if (typeof promiseCtor.withResolvers !== 'function') {
  promiseCtor.withResolvers = <T>(): Resolvers<T> => {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
