// The checked-in statemachines/*.asl.json are what CDK deploys and the local runner runs; they are rendered
// from statemachines/source/. A source edited without rendering again must fail here, not drift.
import { describe, expect, it } from 'vitest';
import { readDefinition, workflowNames } from '../../src/workflows/definitions.ts';
import { renderWorkflows } from '../../src/workflows/render.ts';

describe('rendered workflow definitions', () => {
  const rendered = renderWorkflows();

  it.each(workflowNames)('statemachines/%s.asl.json is the rendering of its source', (workflow) => {
    // Arrange
    const checkedIn = readDefinition(workflow);

    // Act
    const expected = rendered.get(workflow);

    // Assert
    expect(
      checkedIn,
      `statemachines/${workflow}.asl.json is stale: run \`npm run workflows\` (node bin/run-ts.js scripts/render-workflows.ts) and commit the result`,
    ).toBe(expected);
  });
});
