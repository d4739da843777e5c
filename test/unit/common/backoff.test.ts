import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelayMs } from '../../../functions/common/backoff.js';

describe('backoffDelayMs', () => {
  it('doubles the cap per attempt from the minimum', () => {
    assert.equal(backoffDelayMs(0, 1000, 60_000, () => 1), 1000);
    assert.equal(backoffDelayMs(1, 1000, 60_000, () => 1), 2000);
    assert.equal(backoffDelayMs(3, 1000, 60_000, () => 1), 8000);
  });

  it('never exceeds the maximum', () => {
    assert.equal(backoffDelayMs(50, 1000, 60_000, () => 1), 60_000);
  });

  it('draws between half the cap and the cap', () => {
    assert.equal(backoffDelayMs(2, 1000, 60_000, () => 0), 2000);
    assert.equal(backoffDelayMs(2, 1000, 60_000, () => 0.5), 3000);
  });
});
