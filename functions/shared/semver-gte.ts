// The version comparison the X-Ray SDK needs, standing in for the `semver` package in the Lambda bundles.
//
// Why: the Powertools tracer loads aws-xray-sdk-core, whose SDK v2 patcher (captureAWS, which eks-dr never
// calls: it uses SDK v3) checks the v2 SDK's version with `semver.gte` and nothing else. Yet semver loads
// whole, every range and class of it: ~29 KB and about 6 ms of every cold start (bench/bundles.ts, issue 7). infra/constructs/bundling.ts aliases `semver` to this module, and
// test/infra/bundle-size.test.ts fails if any other caller or member of semver ever reaches a bundle.

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

interface Parsed {
  core: [number, number, number];
  prerelease: string[];
}

function parse(version: string): Parsed {
  const match = typeof version === 'string' ? VERSION.exec(version.trim()) : null;
  if (match === null) throw new TypeError(`Invalid Version: ${String(version)}`);
  return {
    core: [Number(match[1]), Number(match[2]), Number(match[3])],
    prerelease: match[4] === undefined ? [] : match[4].split('.'),
  };
}

// SemVer 2.0.0 §11: numeric identifiers compare as numbers and sort before alphanumeric ones.
function compareIdentifiers(a: string, b: string): number {
  const numericA = /^\d+$/.test(a);
  const numericB = /^\d+$/.test(b);
  if (numericA && numericB) return Math.sign(Number(a) - Number(b));
  if (numericA !== numericB) return numericA ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** -1, 0 or 1 as `a` is lower than, equal to or higher than `b` in SemVer precedence (build metadata ignored). */
export function compare(a: string, b: string): number {
  const left = parse(a);
  const right = parse(b);
  for (let i = 0; i < 3; i++) {
    const difference = Math.sign((left.core[i] as number) - (right.core[i] as number));
    if (difference !== 0) return difference;
  }
  // A pre-release sorts before its release: 1.0.0-rc.1 < 1.0.0.
  if (left.prerelease.length === 0 || right.prerelease.length === 0) {
    return Math.sign(right.prerelease.length - left.prerelease.length);
  }
  const length = Math.max(left.prerelease.length, right.prerelease.length);
  for (let i = 0; i < length; i++) {
    const x = left.prerelease[i];
    const y = right.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const difference = compareIdentifiers(x, y);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** True when `a` is the same version as `b` or a later one: semver's `gte`, which is all its callers use. */
export function gte(a: string, b: string): boolean {
  return compare(a, b) >= 0;
}
