import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isOwnBroker, startLocalBroker, stopLocalBroker } from '../../functions/local/kafka-broker.js';

describe('local Kafka broker', () => {
  it('rejects a port another process listens on', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    const stateDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'esc-bridge-broker-')), 'kafka');
    try {
      await assert.rejects(startLocalBroker({ stateDir, port }), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'LOCAL_KAFKA');
        assert.match(error.message, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use.*--port 0`));
        return true;
      });
    } finally {
      blocker.close();
      await stopLocalBroker(stateDir);
    }
  });

  it('starts on a free port and stops only its own process', async () => {
    const stateDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'esc-bridge-broker-')), 'kafka');
    const info = await startLocalBroker({ stateDir, port: 0, heapMb: 256 });
    try {
      assert.match(info.bootstrap, /^127\.0\.0\.1:\d+$/);
      assert.equal(isOwnBroker(info.pid, stateDir), true);
      assert.equal(isOwnBroker(process.pid, stateDir), false, 'the test runner is not the broker');
    } finally {
      assert.equal(await stopLocalBroker(stateDir), true);
    }
    assert.equal(isOwnBroker(info.pid, stateDir), false);
    assert.equal(existsSync(stateDir), false);
    assert.equal(await stopLocalBroker(stateDir), false, 'a second stop finds nothing to stop');
  });
});
