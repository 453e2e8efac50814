import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { healthCheckOf } from '../../src/plan/compact-sections.ts';
import { InvalidPlanError, PlanFileError } from '../../src/plan/errors.ts';
import { parsePlan, planFromEnvironment, serializePlan } from '../../src/plan/load-plan.ts';
import { loadPlanFile, parsePlanText } from '../../src/plan/load-plan-file.ts';
import { minimalPlan } from './plan-fixtures.ts';

const EXAMPLE_CONFIG = new URL('../../eks-dr.config.example.json', import.meta.url).pathname;

let directory: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'eks-dr-plan-'));
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

function writePlan(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

function errorOf(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('loadPlanFile', () => {
  it('loads the committed example config, which exercises every section', () => {
    // Arrange
    const path = EXAMPLE_CONFIG;

    // Act
    const plan = loadPlanFile(path);

    // Assert
    expect(plan.name).toBe('shop');
    expect(plan.primary.region).toBe('eu-west-1');
    expect(plan.dr.region).toBe('eu-central-1');
    expect(plan.dr.nodeGroups.map((group) => group.name)).toEqual(['shop-dr-general', 'shop-dr-stateful']);
    expect(plan.dns?.records.map((record) => record.mode)).toEqual(['failover', 'swap']);
    expect(plan.failover.alarms.map((alarm) => alarm.region)).toEqual(['eu-west-1', 'us-east-1']);
    expect(healthCheckOf(plan, 'dr')?.url).toMatch(/^https:\/\//);
    expect(plan.volumes.availabilityZoneMapping['eu-west-1a']).toBe('eu-central-1a');
  });

  it('keeps the example small enough for a Lambda environment variable (4 KB for all of them)', () => {
    // Arrange
    const plan = loadPlanFile(EXAMPLE_CONFIG);

    // Act
    const bytes = Buffer.byteLength(serializePlan(plan));

    // Assert
    expect(bytes).toBeLessThan(3 * 1024);
  });

  it('loads a JSON file', () => {
    // Arrange
    const path = writePlan('plan.json', JSON.stringify(minimalPlan(), null, 2));

    // Act
    const plan = loadPlanFile(path);

    // Assert
    expect(plan).toEqual(parsePlan(minimalPlan(), 'inline'));
  });

  it.each(['plan.yaml', 'plan.YML'])('loads a YAML file named %s to the same plan as its JSON', (name) => {
    // Arrange
    const path = writePlan(name, stringify(minimalPlan()));

    // Act
    const plan = loadPlanFile(path);

    // Assert
    expect(plan).toEqual(parsePlan(minimalPlan(), 'inline'));
  });

  it('reads YAML 1.2: "no" stays a string, so the error is about the type, not a silent false', () => {
    // Arrange
    const path = writePlan('yes-no.yaml', `${stringify(minimalPlan())}volumes:\n  enabled: no\n`);

    // Act
    const error = errorOf(() => loadPlanFile(path));

    // Assert
    expect(error).toBeInstanceOf(InvalidPlanError);
    expect(error.message).toBe(`${path}: volumes.enabled: expected true or false, got "no"`);
  });

  it('names the file and the field when a YAML plan is invalid', () => {
    // Arrange
    const path = writePlan(
      'bad.yaml',
      stringify({ ...minimalPlan(), dr: { ...minimalPlan().dr, region: 'eu-west-1' } }),
    );

    // Act
    const error = errorOf(() => loadPlanFile(path));

    // Assert
    expect(error).toBeInstanceOf(InvalidPlanError);
    expect(error.message).toBe(`${path}: dr.region: must differ from primary.region (eu-west-1)`);
  });

  it('points at a JSON syntax error with its line or the offending text, on one line', () => {
    // Arrange
    const path = writePlan('broken.json', '{\n  "name": "shop",\n  "primary": }\n');

    // Act
    const error = errorOf(() => loadPlanFile(path));

    // Assert
    expect(error).toBeInstanceOf(InvalidPlanError);
    // V8 versions differ: some give "position N" (we add line and column), Node 20 quotes the text.
    expect(error.message).toMatch(
      new RegExp(`^${path}: not valid JSON: .*(line 3 column 14|"primary": \\})`),
    );
    expect(error.message).not.toContain('\n');
  });

  it('gives the line of a YAML syntax error', () => {
    // Arrange
    const path = writePlan('broken.yaml', 'name: shop\nprimary:\n  region: [eu-west-1\n');

    // Act
    const error = errorOf(() => loadPlanFile(path));

    // Assert
    expect(error).toBeInstanceOf(InvalidPlanError);
    expect(error.message).toMatch(new RegExp(`^${path}: not valid YAML: .*line \\d+`));
  });

  it('refuses duplicate YAML keys instead of keeping the last one', () => {
    // Arrange
    const path = writePlan('dup.yaml', 'name: shop\nname: other\n');

    // Act
    const error = errorOf(() => loadPlanFile(path));

    // Assert
    expect(error.message).toMatch(new RegExp(`^${path}: not valid YAML: Map keys must be unique`));
  });

  it('refuses a YAML alias bomb naming the file, before expanding it', () => {
    // Arrange: 9^5 strings from five lines; expanded, the aliases would take gigabytes.
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [name, previous] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
    ]) {
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    const path = writePlan('bomb.yaml', levels.join('\n'));

    // Act
    const load = () => loadPlanFile(path);

    // Assert
    expect(load).toThrow(InvalidPlanError);
    expect(load).toThrow(`${path}: not a usable YAML document: Excessive alias count`);
  });

  it('says an empty file is empty', () => {
    // Arrange
    const path = writePlan('empty.yaml', '\n');

    // Act
    const error = errorOf(() => loadPlanFile(path));

    // Assert
    expect(error).toBeInstanceOf(InvalidPlanError);
    expect(error.message).toBe(`${path}: is empty`);
  });

  it('names a missing file with the path it looked at', () => {
    // Arrange
    const path = join(directory, 'nope', 'eks-dr.config.json');

    // Act
    const error = errorOf(() => loadPlanFile(path));

    // Assert
    expect(error).toBeInstanceOf(PlanFileError);
    expect(error.name).toBe('PlanFileError');
    expect(error.message).toBe(`${path}: file not found (looked for ${path})`);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('says so when the path is a directory', () => {
    // Arrange
    const path = join(directory, 'dir.json');
    mkdirSync(path);

    // Act
    const error = errorOf(() => loadPlanFile(path));

    // Assert
    expect(error).toBeInstanceOf(PlanFileError);
    expect(error.message).toBe(`${path}: is a directory, expected a plan file`);
  });

  it('refuses an extension it cannot parse before reading the file', () => {
    // Arrange
    const path = writePlan('plan.toml', 'name = "shop"');

    // Act
    const error = errorOf(() => loadPlanFile(path));

    // Assert
    expect(error).toBeInstanceOf(PlanFileError);
    expect(error.message).toBe(`${path}: unsupported file type ".toml": use .json, .yaml or .yml`);
  });
});

describe('planFromEnvironment', () => {
  it('round-trips a plan through serializePlan', () => {
    // Arrange
    const plan = loadPlanFile(EXAMPLE_CONFIG);
    const value = serializePlan(plan);

    // Act
    const restored = planFromEnvironment(value, 'EKS_DR_PLAN');

    // Assert
    expect(restored).toEqual(plan);
  });

  it.each([undefined, '', '  '])('names the variable when it is %j', (value) => {
    // Arrange
    const name = 'EKS_DR_PLAN';

    // Act
    const error = errorOf(() => planFromEnvironment(value, name));

    // Assert
    expect(error).toBeInstanceOf(InvalidPlanError);
    expect(error.message).toBe('environment variable EKS_DR_PLAN: is not set; it must hold the plan as JSON');
  });

  it('names the variable when its JSON is broken', () => {
    // Arrange
    const value = '{"name": "shop",';

    // Act
    const error = errorOf(() => planFromEnvironment(value, 'EKS_DR_PLAN'));

    // Assert
    expect(error).toBeInstanceOf(InvalidPlanError);
    expect(error.message).toMatch(/^environment variable EKS_DR_PLAN: not valid JSON: /);
  });

  it('adds the line and column when the parser reports only a position', () => {
    // Arrange: a truncated value makes V8 report "at position N" on every Node version.
    const value = '{\n  "name": "shop",\n  "primary": {"region": "eu-west-1"';

    // Act
    const error = errorOf(() => planFromEnvironment(value, 'EKS_DR_PLAN'));

    // Assert
    expect(error.message).toMatch(/at position 55 \(line 3 column 36\)$/);
  });

  it('names the variable and the field when the plan is invalid', () => {
    // Arrange
    const value = JSON.stringify({ ...minimalPlan(), failover: { autoFailover: 'yes' } });

    // Act
    const error = errorOf(() => planFromEnvironment(value, 'PLAN_JSON'));

    // Assert
    expect(error.message).toBe(
      'environment variable PLAN_JSON: failover.autoFailover: expected true or false, got "yes"',
    );
  });
});

describe('parsePlanText', () => {
  it('parses YAML text with the same rules as files', () => {
    // Arrange
    const text = stringify({ ...minimalPlan(), existingResourcePolicy: 'update' });

    // Act
    const plan = parsePlanText(text, 'inline.yaml', 'yaml');

    // Assert
    expect(plan.existingResourcePolicy).toBe('update');
  });

  it('refuses a YAML stream with several documents', () => {
    // Arrange
    const text = `${stringify(minimalPlan())}---\n${stringify(minimalPlan())}`;

    // Act
    const error = errorOf(() => parsePlanText(text, 'multi.yaml', 'yaml'));

    // Assert
    expect(error).toBeInstanceOf(InvalidPlanError);
    expect(error.message).toMatch(/^multi\.yaml: not valid YAML: .*multiple documents/);
  });
});
