import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { generateObjects } from '../sandbox/kube/generate.ts';
import { KubeApiSimulator } from '../sandbox/kube/simulator.ts';

const KUBE_USAGE = `Usage: eks-dr sandbox kube [options]

Runs a local Kubernetes API simulator on 127.0.0.1 in the foreground (Ctrl-C stops it).

Options:
  --port N            port to listen on (default: any free port)
  --kubeconfig FILE   write a kubeconfig for the simulator to FILE once it is ready
  --load FILE.yaml    create the objects of a multi-document YAML file (repeatable), like kubectl create -f
  --generate N        add N deterministic synthetic objects (benchmarks)
  --seed N            seed for --generate (default 1)
  --nodes N           register N Ready nodes (default 0: a pilot-light cluster)
  --crd-delay-ms N    delay before a new CRD is Established (default 50)
  --tls-cert FILE     serve HTTPS with this PEM certificate (kubectl sends no token over plain HTTP)
  --tls-key FILE      the certificate's PEM private key
  -h, --help          this text`;

/** `eks-dr sandbox <kind>`: local stand-ins for the cloud. */
export async function runSandboxCommand(argv: string[]): Promise<number> {
  const [kind, ...rest] = argv;
  if (kind !== 'kube') {
    console.error(`eks-dr sandbox: unknown sandbox '${kind ?? ''}' (available: kube)\n\n${KUBE_USAGE}`);
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      port: { type: 'string' },
      kubeconfig: { type: 'string' },
      load: { type: 'string', multiple: true },
      generate: { type: 'string' },
      seed: { type: 'string' },
      nodes: { type: 'string' },
      'crd-delay-ms': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(KUBE_USAGE);
    return 0;
  }
  const port = nonNegativeInteger(values.port, '--port', 0);
  const generate = nonNegativeInteger(values.generate, '--generate', 0);
  const seed = nonNegativeInteger(values.seed, '--seed', 1);
  const nodes = nonNegativeInteger(values.nodes, '--nodes', 0);
  const crdEstablishDelayMs = nonNegativeInteger(values['crd-delay-ms'], '--crd-delay-ms', 50);

  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) {
    throw new Error('--tls-cert and --tls-key go together');
  }
  const tls =
    values['tls-cert'] && values['tls-key']
      ? {
          cert: await readPem(values['tls-cert'], '--tls-cert'),
          key: await readPem(values['tls-key'], '--tls-key'),
        }
      : undefined;
  // Everything is loaded before the port opens, so a client never sees a half-filled cluster.
  const simulator = new KubeApiSimulator({ port, crdEstablishDelayMs, ...(tls ? { tls } : {}) });
  for (const file of values.load ?? []) {
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new Error(`--load ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
    });
    simulator.loadYaml(text, file);
  }
  if (generate > 0) simulator.load(generateObjects(generate, { seed }), `--generate ${generate}`);
  if (nodes > 0) simulator.addNodes(nodes);
  const url = await simulator.start();
  if (values.kubeconfig) await simulator.writeKubeconfig(values.kubeconfig);
  console.log(`listening on ${url}`);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await simulator.stop();
  return 0;
}

function nonNegativeInteger(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${flag} must be a non-negative integer, got '${text}'`);
  return value;
}

async function readPem(file: string, flag: string): Promise<string> {
  return readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(`${flag} ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
}
