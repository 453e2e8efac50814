// The sandbox's recovery ledger against the port contract the DynamoDB adapter meets too.
import { SandboxRecoveryLedger } from '../../../sandbox/aws/sandbox-recovery-ledger.ts';
import { recoveryLedgerContract } from '../../failover/recovery-ledger-contract.ts';

recoveryLedgerContract('SandboxRecoveryLedger', () => new SandboxRecoveryLedger());
