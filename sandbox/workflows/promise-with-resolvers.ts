// aws-local-stepfunctions calls Promise.withResolvers, which Node only has from 22; Node 20 is supported,
// so the runner installs the same polyfill the tests use before the library is loaded.

type Resolvers<T> = { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void };
const promiseCtor = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };
if (typeof promiseCtor.withResolvers !== 'function') {
  promiseCtor.withResolvers = <T>(): Resolvers<T> => {
    let resolve!: (value: T) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

export {};
