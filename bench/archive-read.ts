// Archive read throughput: verifyArchive and readArchive of a part of N generated objects against a plain
// read of the same file with the same libraries and no project code (gunzip → tar-stream → JSON.parse of
// every entry), measured in one run. Usage: node bin/run-ts.js bench/archive-read.ts [--objects 20000]
//   [--rounds 3] [--seed 1]. Writing the part is not timed. The last line of stdout is one JSON object.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { generateObjects } from '../sandbox/kube/generate.ts';
import { readArchive, verifyArchive } from '../src/archive/reader.ts';
import { ArchiveWriter } from '../src/archive/writer.ts';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
  },
});
const objects = Number(values.objects);
const rounds = Number(values.rounds);

const dir = await mkdtemp(join(tmpdir(), 'eks-dr-bench-archive-read-'));
try {
  const file = join(dir, 'part.tar.gz');
  const writer = new ArchiveWriter(createWriteStream(file));
  for (const object of generateObjects(objects, { seed: Number(values.seed) })) {
    const { name, namespace } = object.metadata as { name: string; namespace?: string };
    const slash = object.apiVersion.indexOf('/');
    await writer.add({
      // The layout needs a resource name, not the API's plural: the kind in lower case stands in for it.
      resource: `${object.kind.toLowerCase()}s`,
      group: slash === -1 ? '' : object.apiVersion.slice(0, slash),
      ...(namespace === undefined ? {} : { namespace }),
      name,
      object: object as Record<string, unknown>,
    });
  }
  const summary = await writer.finish();
  const expected = { sha256: summary.sha256, size: summary.size };
  const source = () => createReadStream(file, { highWaterMark: 64 * 1024 });

  let tarBytes = 0;
  await pipeline(source(), createGunzip(), async (tarStream: AsyncIterable<Buffer>) => {
    for await (const chunk of tarStream) tarBytes += chunk.length;
  });
  const runs = {
    /** The baseline: the same bytes through the same libraries, every entry parsed, nothing checked. */
    plain: async () => {
      const extract = tar.extract();
      const piping = pipeline(source(), createGunzip(), extract as unknown as NodeJS.WritableStream);
      for await (const entry of extract) {
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        if (entry.header.name.endsWith('.json')) JSON.parse(Buffer.concat(chunks).toString('utf8'));
      }
      await piping;
    },
    verifyArchive: () => verifyArchive(source, expected, 'part.tar.gz'),
    readArchive: async () => {
      let read = 0;
      for await (const _ of readArchive(source, expected, 'part.tar.gz')) read += 1;
      if (read !== summary.totalObjects) throw new Error(`readArchive yielded ${read} objects`);
    },
  };
  const timings = new Map<string, { wall: number[]; cpu: number[] }>();
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(runs)) {
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      await run();
      const wall = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      const timing = timings.get(name) ?? { wall: [], cpu: [] };
      timings.set(name, timing);
      timing.wall.push(wall);
      timing.cpu.push((cpu.user + cpu.system) / 1e6);
    }
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const figures = Object.fromEntries(
    [...timings].map(([name, { wall, cpu }]) => {
      // readArchive streams the part twice: once to verify it, once to yield its objects.
      const passes = name === 'readArchive' ? 2 : 1;
      const mb = (passes * tarBytes) / 1e6;
      return [
        name,
        {
          wallSeconds: round3(median(wall)),
          cpuSeconds: round3(median(cpu)),
          tarMBPerSecond: Math.round(mb / median(wall)),
          tarMBPerCpuSecond: Math.round(mb / median(cpu)),
        },
      ];
    }),
  );
  for (const [name, f] of Object.entries(figures)) {
    console.log(
      `${name.padEnd(14)} ${f.wallSeconds} s wall, ${f.cpuSeconds} CPU-s, ${f.tarMBPerSecond} MB/s of tar`,
    );
  }
  console.log(
    JSON.stringify({
      benchmark: 'archive-read',
      objects: summary.totalObjects,
      gzipBytes: (await stat(file)).size,
      tarBytes,
      rounds,
      ...figures,
      // Process-wide, writing the part included.
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
