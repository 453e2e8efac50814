// Adapters are made on first use and kept for the container: one per base dependencies object (one per
// container on AWS, one per test that builds its own base).
import type { BaseDependencies } from '../base.ts';
import type { Side } from '../envelope.ts';

/** `make(base)` once per base, on first use. */
export function perBase<T>(make: (base: BaseDependencies) => T): (base: BaseDependencies) => T {
  const made = new WeakMap<BaseDependencies, { value: T }>();
  return (base) => {
    let entry = made.get(base);
    if (entry === undefined) {
      entry = { value: make(base) };
      made.set(base, entry);
    }
    return entry.value;
  };
}

/** `make(base, side)` once per base and side, on first use. */
export function perSide<T>(
  make: (base: BaseDependencies, side: Side) => T,
): (base: BaseDependencies, side: Side) => T {
  const sides = perBase((base) => ({
    primary: perBase(() => make(base, 'primary')),
    dr: perBase(() => make(base, 'dr')),
  }));
  return (base, side) => sides(base)[side](base);
}
