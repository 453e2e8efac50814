import { describe, expect, it } from 'vitest';
import { WorkflowDefinitionError } from '../../src/workflows/definitions.ts';
import { parseRetryPolicies, renderWorkflow, renderWorkflowSources } from '../../src/workflows/render.ts';

const POLICIES = {
  file: 'statemachines/source/retry-policies.yaml',
  text: [
    'lambda-service-errors:',
    '  ErrorEquals: [Lambda.ServiceException, Lambda.TooManyRequestsException]',
    '  IntervalSeconds: 2',
    '  MaxAttempts: 6',
    '  BackoffRate: 2',
    '  JitterStrategy: FULL',
    'node-group-busy:',
    '  ErrorEquals: [NodeGroupBusyError]',
    '  IntervalSeconds: 5',
    '  MaxAttempts: 5',
    '',
  ].join('\n'),
};

/** A one-Task source whose Task retries with `retry` (YAML flow text). */
function aSource(retry: string, file = 'statemachines/source/failover.asl.yaml') {
  return {
    file,
    text: [
      'StartAt: ScaleUp',
      'States:',
      '  ScaleUp:',
      '    Type: Task',
      '    Resource: arn:aws:states:::lambda:invoke',
      '    Parameters: { FunctionName: capacity }',
      `    Retry: ${retry}`,
      '    Catch: [{ ErrorEquals: [States.ALL], Next: Failed }]',
      '    End: true',
      '  Failed: { Type: Fail }',
      '',
    ].join('\n'),
  };
}

describe('parseRetryPolicies', () => {
  it('reads each named policy as an ASL retrier, in the file order', () => {
    // Arrange
    const source = POLICIES;

    // Act
    const policies = parseRetryPolicies(source);

    // Assert
    expect([...policies.keys()]).toEqual(['lambda-service-errors', 'node-group-busy']);
    expect(policies.get('node-group-busy')).toEqual({
      ErrorEquals: ['NodeGroupBusyError'],
      IntervalSeconds: 5,
      MaxAttempts: 5,
    });
  });

  it.each([
    [
      'a misspelt field',
      'busy:\n  ErrorEquals: [A]\n  MaxAttempt: 3\n',
      /retry-policies\.yaml: policy busy: .*MaxAttempt/,
    ],
    ['a backoff below 1', 'busy:\n  ErrorEquals: [A]\n  BackoffRate: 0.5\n', /policy busy: BackoffRate: /],
    [
      'no error names',
      'busy:\n  ErrorEquals: []\n',
      /policy busy: ErrorEquals: expected at least one error name/,
    ],
    [
      'a name not in kebab-case',
      'NodeGroupBusy:\n  ErrorEquals: [A]\n',
      /policy name "NodeGroupBusy" is not kebab-case/,
    ],
  ])('refuses %s, naming the file and the policy', (_, text, message) => {
    // Arrange
    const source = { file: 'statemachines/source/retry-policies.yaml', text };

    // Act
    const parse = () => parseRetryPolicies(source);

    // Assert
    expect(parse).toThrow(WorkflowDefinitionError);
    expect(parse).toThrow(message);
  });
});

describe('renderWorkflow', () => {
  it('writes the named policies in full, in the order named, as 2-space JSON', () => {
    // Arrange
    const policies = parseRetryPolicies(POLICIES);

    // Act
    const { json, policiesUsed } = renderWorkflow(
      aSource('[lambda-service-errors, node-group-busy]'),
      policies,
    );

    // Assert
    expect(json).toBe(
      `${JSON.stringify(
        {
          StartAt: 'ScaleUp',
          States: {
            ScaleUp: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: { FunctionName: 'capacity' },
              Retry: [
                {
                  ErrorEquals: ['Lambda.ServiceException', 'Lambda.TooManyRequestsException'],
                  IntervalSeconds: 2,
                  MaxAttempts: 6,
                  BackoffRate: 2,
                  JitterStrategy: 'FULL',
                },
                { ErrorEquals: ['NodeGroupBusyError'], IntervalSeconds: 5, MaxAttempts: 5 },
              ],
              Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }],
              End: true,
            },
            Failed: { Type: 'Fail' },
          },
        },
        null,
        2,
      )}\n`,
    );
    expect([...policiesUsed]).toEqual(['lambda-service-errors', 'node-group-busy']);
  });

  it('resolves the states inside a Parallel branch and a Map item processor', () => {
    // Arrange
    const source = {
      file: 'statemachines/source/backup.asl.yaml',
      text: [
        'StartAt: Both',
        'States:',
        '  Both:',
        '    Type: Parallel',
        '    Branches:',
        '      - StartAt: Inner',
        '        States: { Inner: { Type: Task, Resource: x, Retry: [node-group-busy], End: true } }',
        '    Next: Each',
        '  Each:',
        '    Type: Map',
        '    ItemProcessor:',
        '      StartAt: Item',
        '      States: { Item: { Type: Task, Resource: x, Retry: [lambda-service-errors], End: true } }',
        '    End: true',
        '',
      ].join('\n'),
    };

    // Act
    const asl = JSON.parse(renderWorkflow(source, parseRetryPolicies(POLICIES)).json);

    // Assert
    expect(asl.States.Both.Branches[0].States.Inner.Retry).toEqual([
      { ErrorEquals: ['NodeGroupBusyError'], IntervalSeconds: 5, MaxAttempts: 5 },
    ]);
    expect(asl.States.Each.ItemProcessor.States.Item.Retry[0].ErrorEquals).toContain(
      'Lambda.ServiceException',
    );
  });

  it.each([
    [
      'an unknown policy',
      '[lambda-service-errors, node-group-bussy]',
      'statemachines/source/failover.asl.yaml: state ScaleUp: unknown retry policy "node-group-bussy" (retry-policies.yaml names lambda-service-errors, node-group-busy)',
    ],
    [
      'a retrier written inline',
      '[{ ErrorEquals: [NodeGroupBusyError], MaxAttempts: 5 }]',
      'statemachines/source/failover.asl.yaml: state ScaleUp: Retry[0] is written inline: name it in retry-policies.yaml and refer to it by name',
    ],
    [
      'a policy named twice',
      '[node-group-busy, node-group-busy]',
      'statemachines/source/failover.asl.yaml: state ScaleUp: Retry names node-group-busy twice',
    ],
    [
      'a Retry that is no list',
      'node-group-busy',
      'statemachines/source/failover.asl.yaml: state ScaleUp: Retry must list policy names, e.g. [lambda-service-errors]',
    ],
  ])('refuses %s, naming the file, the state and the policy', (_, retry, message) => {
    // Arrange
    const policies = parseRetryPolicies(POLICIES);

    // Act
    const render = () => renderWorkflow(aSource(retry), policies);

    // Assert
    expect(render).toThrow(WorkflowDefinitionError);
    expect(render).toThrow(message);
  });

  it('names the enclosing states of a nested state with a bad reference', () => {
    // Arrange
    const source = {
      file: 'statemachines/source/backup.asl.yaml',
      text: [
        'StartAt: Both',
        'States:',
        '  Both:',
        '    Type: Parallel',
        '    Branches: [{ StartAt: Inner, States: { Inner: { Type: Task, Resource: x, Retry: [nope], End: true } } }]',
        '    End: true',
        '',
      ].join('\n'),
    };

    // Act
    const render = () => renderWorkflow(source, parseRetryPolicies(POLICIES));

    // Assert
    expect(render).toThrow(
      'statemachines/source/backup.asl.yaml: state Both › Inner: unknown retry policy "nope"',
    );
  });

  it('refuses YAML that does not parse, with the file name', () => {
    // Arrange
    const source = { file: 'statemachines/source/drill.asl.yaml', text: 'States:\n  A: {\n' };

    // Act
    const render = () => renderWorkflow(source, parseRetryPolicies(POLICIES));

    // Assert
    expect(render).toThrow(/^statemachines\/source\/drill\.asl\.yaml: not valid YAML: /);
  });
});

describe('renderWorkflowSources', () => {
  it('refuses a policy that no state uses, so the policies file lists only what is in force', () => {
    // Arrange
    const sources = [{ workflow: 'failover', ...aSource('[lambda-service-errors]') }];

    // Act
    const render = () => renderWorkflowSources(POLICIES, sources);

    // Assert
    expect(render).toThrow(
      'statemachines/source/retry-policies.yaml: no state uses node-group-busy: remove it or refer to it',
    );
  });

  it('renders every source by its workflow name when each policy is used somewhere', () => {
    // Arrange
    const sources = [
      { workflow: 'failover', ...aSource('[lambda-service-errors]') },
      {
        workflow: 'drill',
        ...aSource('[lambda-service-errors, node-group-busy]', 'statemachines/source/drill.asl.yaml'),
      },
    ];

    // Act
    const rendered = renderWorkflowSources(POLICIES, sources);

    // Assert
    expect([...rendered.keys()]).toEqual(['failover', 'drill']);
    expect(JSON.parse(rendered.get('drill') ?? '{}').States.ScaleUp.Retry).toHaveLength(2);
  });
});
