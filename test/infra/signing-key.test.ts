// The manifest signing key of issue #16: a multi-Region ECC_NIST_P256 SIGN_VERIFY key in the primary region,
// its replica in the DR stack, Sign only for the manifest writers, Verify for the readers, and SIGNING_KEY_ARN
// set on each to the key of its own region.
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  actionsOf,
  appWithoutBundling,
  examplePlan,
  flatten,
  policyStatements,
  resourcesOf,
  templateOf,
} from './synth-helpers.ts';

const plan = examplePlan();
let signing: Template;
let primary: Template;
let dr: Template;

beforeAll(() => {
  const { stacks } = appWithoutBundling(plan, false);
  signing = templateOf(stacks.signingKey);
  primary = templateOf(stacks.primary);
  dr = templateOf(stacks.dr);
}, 60_000);

/** Function file stem → its environment and the KMS signing actions of its role's policies. */
function functions(template: Template) {
  const policies = policyStatements(template);
  const roleOfPolicy = new Map(
    Object.entries(template.findResources('AWS::IAM::Policy')).map(([id, resource]) => [
      id,
      ((resource as { Properties: { Roles: { Ref: string }[] } }).Properties.Roles ?? []).map((r) => r.Ref),
    ]),
  );
  const own = Object.values(template.findResources('AWS::Lambda::Function')).filter((resource) =>
    // Not CDK's provider of cross-region references, which has no eks-dr description.
    (resource as { Properties: { Description?: string } }).Properties.Description?.startsWith('eks-dr: '),
  );
  return own.map((resource) => {
    const props = (
      resource as {
        Properties: {
          Description: string;
          Role: { 'Fn::GetAtt': [string, string] };
          Environment: { Variables: Record<string, unknown> };
        };
      }
    ).Properties;
    const role = props.Role['Fn::GetAtt'][0];
    const statements = policies.filter(({ policy }) => roleOfPolicy.get(policy)?.includes(role));
    const kms = (action: string) =>
      statements
        .filter(({ statement }) => statement.Effect === 'Allow' && actionsOf(statement).includes(action))
        .flatMap(({ statement }) => resourcesOf(statement).map(flatten));
    return {
      file: props.Description.replace(/^eks-dr: functions\/(.+)\.ts$/, '$1'),
      signingKeyArn: props.Environment.Variables.SIGNING_KEY_ARN,
      sign: kms('kms:Sign'),
      verify: kms('kms:Verify'),
    };
  });
}

describe('signing key stack', () => {
  it('creates a retained multi-Region ECC_NIST_P256 SIGN_VERIFY key in the primary region', () => {
    // Arrange
    const keys = signing.findResources('AWS::KMS::Key');

    // Act
    const [key] = Object.values(keys) as {
      Properties: Record<string, unknown>;
      DeletionPolicy: string;
    }[];

    // Assert
    expect(Object.keys(keys)).toHaveLength(1);
    expect(key?.Properties).toMatchObject({
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      MultiRegion: true,
    });
    expect(key?.DeletionPolicy).toBe('Retain');
  });

  it('denies kms:Sign in the key policy to every principal but the snapshot and copy roles', () => {
    // Arrange
    const [key] = Object.values(signing.findResources('AWS::KMS::Key')) as {
      Properties: { KeyPolicy: { Statement: { Effect: string; Action: unknown; Condition?: unknown }[] } };
    }[];

    // Act
    const deny = key?.Properties.KeyPolicy.Statement.find((s) => s.Effect === 'Deny');

    // Assert
    if (deny === undefined) throw new Error('the key policy has no Deny statement');
    expect(deny.Action).toBe('kms:Sign');
    const allowed = (deny.Condition as { ArnNotEquals: { 'aws:PrincipalArn': unknown[] } }).ArnNotEquals[
      'aws:PrincipalArn'
    ].map(flatten);
    expect(allowed.map((arn) => arn.split('/').pop()).sort()).toEqual(
      ['p-copy', 'p-snapshot', 'dr-copy', 'dr-snapshot'].map((name) => `shop-eks-dr-${name}`).sort(),
    );
  });
});

describe('DR stack', () => {
  it('replicates the primary key into the DR region with the same key policy', () => {
    // Arrange
    const replicas = dr.findResources('AWS::KMS::ReplicaKey');

    // Act
    const [replica] = Object.values(replicas) as {
      Properties: { PrimaryKeyArn: unknown; KeyPolicy: { Statement: { Effect: string }[] } };
      DeletionPolicy: string;
    }[];

    // Assert
    expect(Object.keys(replicas)).toHaveLength(1);
    expect(replica?.Properties.PrimaryKeyArn).toBeDefined();
    expect(replica?.Properties.KeyPolicy.Statement.map((s) => s.Effect)).toEqual(['Allow', 'Deny']);
    expect(replica?.DeletionPolicy).toBe('Retain');
    expect(Object.keys(dr.findResources('AWS::KMS::Key')).some((id) => id.includes('Signing'))).toBe(false);
  });
});

describe.each([
  ['primary', () => primary, '<import:'],
  ['DR', () => dr, '<ManifestSigningKeyReplica'],
])('%s stack functions', (_, template, keyPrefix) => {
  it('grant kms:Sign only to the snapshot and copy roles and kms:Verify only to the copy and restore roles', () => {
    // Arrange
    const all = functions(template());

    // Act
    const signers = all.filter((f) => f.sign.length > 0).map((f) => f.file);
    const verifiers = all.filter((f) => f.verify.length > 0).map((f) => f.file);

    // Assert
    expect(signers.sort()).toEqual(['copy', 'snapshot']);
    expect(verifiers.sort()).toEqual(all.some((f) => f.file === 'restore') ? ['copy', 'restore'] : ['copy']);
    for (const f of all) {
      for (const resource of [...f.sign, ...f.verify]) expect(resource.startsWith(keyPrefix)).toBe(true);
    }
  });

  it('set SIGNING_KEY_ARN to the key of their own region on exactly the functions that sign or verify', () => {
    // Arrange
    const all = functions(template());

    // Act
    const withKey = all.filter((f) => f.signingKeyArn !== undefined);

    // Assert
    expect(withKey.map((f) => f.file).sort()).toEqual(
      all
        .filter((f) => f.sign.length + f.verify.length > 0)
        .map((f) => f.file)
        .sort(),
    );
    for (const f of withKey) expect(flatten(f.signingKeyArn).startsWith(keyPrefix)).toBe(true);
  });
});
