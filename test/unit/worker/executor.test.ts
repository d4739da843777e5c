import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { loadConfig } from '../../../functions/common/config.js';
import { silentLogger } from '../../../functions/common/logger.js';
import type { NetconfConnectOptions, NetconfSession } from '../../../functions/netconf/index.js';
import { NetconfVmActionExecutor } from '../../../functions/worker/executor.js';

/** A session double that records the operations sent and replies <ok/>. */
class FakeSession extends EventEmitter {
  readonly sent: string[] = [];
  readonly sessionId = '7';
  readonly framing = 'chunked';
  closed = false;
  async rpc(operation: string) {
    this.sent.push(operation);
    return { messageId: '1', ok: true, errors: [], xml: '<rpc-reply/>' };
  }
  async close() {
    this.closed = true;
  }
}

const FINGERPRINT = 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU';

function executorWith(session: FakeSession, connectDelayMs: number, env: Record<string, string> = {}) {
  const config = loadConfig({ ESC_HOST: '127.0.0.1', ESC_PASSWORD: 'p', ESC_HOST_KEY_SHA256: FINGERPRINT, ...env }, { needsEsc: true });
  const connect = async (_options: NetconfConnectOptions) => {
    await new Promise((resolve) => setTimeout(resolve, connectDelayMs));
    return session as unknown as NetconfSession;
  };
  return new NetconfVmActionExecutor(config.esc, silentLogger(), connect);
}

const STOP = { actionType: 'STOP', vmName: 'vm_1', force: null };

describe('NetconfVmActionExecutor', () => {
  it('sends the vmAction and returns the reply', async () => {
    const session = new FakeSession();
    const outcome = await executorWith(session, 0).execute(STOP, silentLogger());
    assert.equal(outcome.kind, 'reply');
    assert.equal(session.sent.length, 1);
    assert.match(session.sent[0]!, /<vmAction xmlns="http:\/\/www.cisco.com\/esc\/esc"><actionType>STOP<\/actionType>/);
  });

  it('does not send a command that expired while connecting', async () => {
    const session = new FakeSession();
    const outcome = await executorWith(session, 50).execute(STOP, silentLogger(), { expiresAt: Date.now() + 10 });
    assert.equal(outcome.kind, 'expired');
    assert.equal(session.sent.length, 0);
  });

  it('reports a request it cannot build as not sent', async () => {
    const session = new FakeSession();
    const executor = executorWith(session, 0);
    (executor as unknown as { esc: { vmActionForm: string } }).esc = { ...(executor as unknown as { esc: object }).esc, vmActionForm: 'soap' };
    const outcome = await executor.execute(STOP, silentLogger());
    assert.equal(outcome.kind, 'failed');
    assert.equal(outcome.kind === 'failed' && outcome.mayHaveReachedEsc, false);
    assert.equal(session.sent.length, 0);
  });
});
