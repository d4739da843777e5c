import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { Logger } from '../../../functions/common/logger.js';
import { silentLogger } from '../../../functions/common/logger.js';
import { FlowControl, type PausableSession } from '../../../functions/listener/flow-control.js';

/** Records the calls flow control makes, in order. */
class SessionDouble implements PausableSession {
  readonly calls: string[] = [];

  pause(): void {
    this.calls.push('pause');
  }

  resume(): void {
    this.calls.push('resume');
  }
}

function flowControl(maxPending: number, logger: Logger = silentLogger()): FlowControl {
  return new FlowControl({ maxPending, logger });
}

describe('FlowControl', () => {
  it('sets the low-water mark to half the maximum', () => {
    assert.equal(flowControl(20_000).lowWaterMark, 10_000);
    assert.equal(flowControl(7).lowWaterMark, 3);
    assert.equal(flowControl(1).lowWaterMark, 0);
  });

  it('pauses once the pending count reaches the maximum', () => {
    const control = flowControl(10);
    const session = new SessionDouble();
    control.attach(session);

    control.update(9);
    assert.deepEqual(session.calls, []);
    control.update(10);
    control.update(11);

    assert.deepEqual(session.calls, ['pause']);
    assert.equal(control.paused, true);
    assert.equal(control.pauseCount, 1);
  });

  it('resumes only at the low-water mark', () => {
    const control = flowControl(10);
    const session = new SessionDouble();
    control.attach(session);
    control.update(10);

    control.update(9);
    control.update(6);
    assert.deepEqual(session.calls, ['pause']);
    control.update(5);

    assert.deepEqual(session.calls, ['pause', 'resume']);
    assert.equal(control.paused, false);
  });

  it('counts each pause', () => {
    const control = flowControl(4);
    const session = new SessionDouble();
    control.attach(session);

    for (const pending of [4, 2, 4, 0, 3]) {
      control.update(pending);
    }

    assert.deepEqual(session.calls, ['pause', 'resume', 'pause', 'resume']);
    assert.equal(control.pauseCount, 2);
  });

  it('starts a session attached while paused as paused', () => {
    const control = flowControl(10);
    const first = new SessionDouble();
    control.attach(first);
    control.update(10);
    control.detach(first);

    const second = new SessionDouble();
    control.attach(second);
    control.update(5);

    assert.deepEqual(first.calls, ['pause']);
    assert.deepEqual(second.calls, ['pause', 'resume']);
  });

  it('leaves a session attached while running alone', () => {
    const control = flowControl(10);
    const session = new SessionDouble();

    control.attach(session);
    control.update(3);

    assert.deepEqual(session.calls, []);
  });

  it('keeps the state with no session attached', () => {
    const control = flowControl(10);
    const session = new SessionDouble();
    control.attach(session);
    control.detach(session);

    control.update(12);

    assert.equal(control.paused, true);
    assert.deepEqual(session.calls, []);
  });

  it('logs the pause at warn and the resume at info', () => {
    const entries: Array<Record<string, unknown>> = [];
    const logger: Logger = pino({ level: 'info' }, { write: (line: string) => entries.push(JSON.parse(line) as Record<string, unknown>) });
    const control = flowControl(10, logger);

    control.update(10);
    control.update(4);

    assert.equal(entries.length, 2);
    assert.equal(entries[0]!.level, 40);
    assert.equal(entries[0]!.pending, 10);
    assert.equal(entries[1]!.level, 30);
    assert.equal(entries[1]!.pending, 4);
  });

  it('rejects a maximum below 1', () => {
    assert.throws(() => flowControl(0), /maxPending must be an integer of at least 1, not 0/);
    assert.throws(() => flowControl(2.5), /not 2.5/);
  });
});
