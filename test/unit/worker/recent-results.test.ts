import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecentResults } from '../../../functions/worker/recent-results.js';

describe('RecentResults', () => {
  it('evicts the oldest entry beyond capacity', () => {
    const recent = new RecentResults<number>(2);
    recent.set('a', 1);
    recent.set('b', 2);
    recent.set('c', 3);
    assert.equal(recent.get('a'), undefined);
    assert.equal(recent.get('b'), 2);
    assert.equal(recent.get('c'), 3);
    assert.equal(recent.size, 2);
  });

  it('stores nothing with capacity zero', () => {
    const recent = new RecentResults<number>(0);
    recent.set('a', 1);
    assert.equal(recent.get('a'), undefined);
  });
});
