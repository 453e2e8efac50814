// What every RecoveryLedger must do, run against the sandbox stand-in and the DynamoDB adapter (over a fake
// table that evaluates the adapter's conditions), so the sandbox races as the table does.
import { describe, expect, it } from 'vitest';
import {
  type ClaimRequest,
  InvalidClaimError,
  type LedgerExecution,
  type RecoveryLedger,
} from '../../src/failover/ports/recovery-ledger.ts';

const NOW = new Date('2024-05-01T12:35:00Z');

function execution(name: string, workflow: LedgerExecution['workflow'] = 'failover'): LedgerExecution {
  return {
    name,
    arn: `arn:aws:states:eu-central-1:111122223333:execution:shop-${workflow}:${name}`,
    workflow,
    startedAt: '2024-05-01T12:34:00.000Z',
  };
}

function claimBy(run: LedgerExecution, now = NOW, plan = 'shop'): ClaimRequest {
  return { plan, execution: run, leaseSeconds: 3600, now };
}

/** The contract of RecoveryLedger, on a fresh ledger from `make` for each case. */
export function recoveryLedgerContract(name: string, make: () => RecoveryLedger): void {
  describe(`${name} honours the RecoveryLedger contract`, () => {
    it('grants the first claim and answers the holder to the second', async () => {
      // Arrange
      const ledger = make();
      const first = execution('f1');

      // Act
      const claimed = await ledger.claim(claimBy(first));
      const second = await ledger.claim(claimBy(execution('f2')));

      // Assert
      expect(claimed).toEqual({ claimed: true });
      expect(second).toEqual({
        claimed: false,
        holder: {
          ...first,
          claimedAt: NOW.toISOString(),
          leaseExpiresAt: new Date(NOW.getTime() + 3_600_000).toISOString(),
        },
      });
    });

    it('grants the holder its own claim again (a retried guard)', async () => {
      // Arrange
      const ledger = make();
      await ledger.claim(claimBy(execution('f1')));

      // Act
      const again = await ledger.claim(claimBy(execution('f1')));

      // Assert
      expect(again).toEqual({ claimed: true });
    });

    it('grants a claim past an expired lease, not before', async () => {
      // Arrange
      const ledger = make();
      await ledger.claim(claimBy(execution('f1')));

      // Act
      const atExpiry = await ledger.claim(
        claimBy(execution('d1', 'drill'), new Date(NOW.getTime() + 3_600_000)),
      );
      const after = await ledger.claim(
        claimBy(execution('d1', 'drill'), new Date(NOW.getTime() + 3_600_001)),
      );

      // Assert
      expect(atExpiry.claimed).toBe(false);
      expect(after).toEqual({ claimed: true });
    });

    it("releases only the holder's claim, and releasing twice is fine", async () => {
      // Arrange
      const ledger = make();
      const first = execution('f1');
      await ledger.claim(claimBy(first));

      // Act
      await ledger.release('shop', execution('f2').arn);
      const stillHeld = await ledger.claim(claimBy(execution('f3')));
      await ledger.release('shop', first.arn);
      await ledger.release('shop', first.arn);
      const free = await ledger.claim(claimBy(execution('f3')));

      // Assert
      expect(stillHeld).toMatchObject({ claimed: false, holder: { name: 'f1' } });
      expect(free).toEqual({ claimed: true });
    });

    it('takes over from the stale holder it names, and from no one, but not from a third execution', async () => {
      // Arrange
      const ledger = make();
      const stale = execution('f1');
      await ledger.claim(claimBy(stale));

      // Act
      const taken = await ledger.takeOver({ ...claimBy(execution('f2')), staleHolderArn: stale.arn });
      const late = await ledger.takeOver({ ...claimBy(execution('f3')), staleHolderArn: stale.arn });
      const retried = await ledger.takeOver({ ...claimBy(execution('f2')), staleHolderArn: stale.arn });
      await ledger.release('shop', execution('f2').arn);
      const unclaimed = await ledger.takeOver({ ...claimBy(execution('f3')), staleHolderArn: stale.arn });

      // Assert
      expect(taken).toEqual({ claimed: true });
      expect(late).toMatchObject({ claimed: false, holder: { name: 'f2' } });
      expect(retried).toEqual({ claimed: true });
      expect(unclaimed).toEqual({ claimed: true });
    });

    it('keeps the claims of different plans apart', async () => {
      // Arrange
      const ledger = make();
      await ledger.claim(claimBy(execution('f1')));

      // Act
      const other = await ledger.claim(claimBy(execution('f2'), NOW, 'billing'));

      // Assert
      expect(other).toEqual({ claimed: true });
    });

    it('answers the primary since ever until a side is recorded, then the record', async () => {
      // Arrange
      const ledger = make();
      const before = await ledger.activeSide('shop');

      // Act
      await ledger.recordActiveSide('shop', {
        side: 'dr',
        since: '2024-05-01T13:00:00.000Z',
        executionName: 'f1',
      });
      const after = await ledger.activeSide('shop');

      // Assert
      expect(before).toEqual({ side: 'primary', since: null, executionName: null });
      expect(after).toEqual({ side: 'dr', since: '2024-05-01T13:00:00.000Z', executionName: 'f1' });
      expect(await ledger.activeSide('billing')).toMatchObject({ side: 'primary', since: null });
    });

    it.each([
      ['plan', { ...claimBy(execution('f1')), plan: '' }],
      ['execution.arn', { ...claimBy(execution('f1')), execution: { ...execution('f1'), arn: '' } }],
      ['leaseSeconds', { ...claimBy(execution('f1')), leaseSeconds: 0 }],
    ])('refuses a claim with a bad %s, naming it', async (field, request) => {
      // Arrange
      const ledger = make();

      // Act
      const attempt = ledger.claim(request);

      // Assert
      await expect(attempt).rejects.toThrow(InvalidClaimError);
      await expect(attempt).rejects.toThrow(`recovery claim ${field}:`);
    });
  });
}
