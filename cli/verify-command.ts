import { parseArgs } from 'node:util';
import { verifyBackup } from '../src/archive/backup-reader.ts';
import { describeSignature } from '../src/archive/signing.ts';
import { STORE_OPTIONS, storeOptions } from './backup-command.ts';
import { openBackupStore, splitBackupPath } from './open-store.ts';
import { formatBytes } from './progress.ts';
import { TRUST_OPTIONS, TRUST_USAGE, trustFromFlags } from './signing-keys.ts';

const USAGE = `Usage: eks-dr verify --from LOCATION/backups/NAME

Exits 0 when manifest.json is valid and the archive's size, sha256, structure and object counts match
it; otherwise prints what is wrong, naming the file, and exits 1.

Options:
  --from PATH          <directory or s3://bucket/prefix>/backups/<name> (required)
  --s3-endpoint URL    S3-compatible endpoint (default: AWS_ENDPOINT_URL_S3)
  --region REGION      AWS region of the bucket (default: AWS_REGION)
${TRUST_USAGE}
  -h, --help           this text`;

/** `eks-dr verify`: checks a backup against its manifest. */
export async function runVerifyCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...STORE_OPTIONS,
      ...TRUST_OPTIONS,
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.from) throw new Error('--from <location>/backups/<name> is required');
  const { location, name } = splitBackupPath(values.from);
  const store = openBackupStore(location, storeOptions(values));
  const { manifest, contents, signature } = await verifyBackup(store, name, {
    trust: await trustFromFlags(values),
  });
  console.log(
    `backup ${manifest.name} verified: ${contents.totalObjects} objects, ${formatBytes(contents.size)}, sha256 ${contents.sha256}, ${signature ? describeSignature(signature) : 'signature not checked'}`,
  );
  return 0;
}
