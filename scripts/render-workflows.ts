// `npm run workflows`: renders statemachines/source/*.asl.yaml into statemachines/*.asl.json, writing only
// the files that change. `--check` writes nothing and fails when a rendered file is stale (for CI).
import { readFileSync, writeFileSync } from 'node:fs';
import { definitionFile, WorkflowDefinitionError, type WorkflowName } from '../src/workflows/definitions.ts';
import { renderWorkflows } from '../src/workflows/render.ts';

const check = process.argv.includes('--check');
let rendered: Map<WorkflowName, string>;
try {
  rendered = renderWorkflows();
} catch (error) {
  if (!(error instanceof WorkflowDefinitionError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const stale: string[] = [];
for (const [workflow, json] of rendered) {
  const path = definitionFile(workflow);
  const file = `statemachines/${workflow}.asl.json`;
  let current: string | undefined;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === json) {
    console.log(`${file}: current`);
  } else if (check) {
    stale.push(file);
  } else {
    writeFileSync(path, json);
    console.log(`${file}: written`);
  }
}
if (stale.length > 0) {
  console.error(`${stale.join(', ')}: stale, run \`npm run workflows\``);
  process.exit(1);
}
