// Backup names come from the execution, so a retried Snapshot step finds the backup its first attempt made
// instead of taking a second one.
import { createHash } from 'node:crypto';
import { validateBackupName } from '../../src/archive/layout.ts';

const MAX = 63;

/**
 * The backup name of an execution: its name lower-cased with anything a DNS-1123 subdomain refuses turned
 * into `-`; when that changed or shortened it, a short hash of the original keeps two executions apart.
 */
export function backupNameFor(executionName: string): string {
  const cleaned = executionName
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  const exact = cleaned === executionName && cleaned.length <= MAX && cleaned.length > 0;
  const name = exact
    ? cleaned
    : `${cleaned.slice(0, MAX - 9).replace(/[^a-z0-9]+$/, '') || 'backup'}-${createHash('sha256').update(executionName).digest('hex').slice(0, 8)}`;
  validateBackupName(name);
  return name;
}
