import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { silentLogger } from '../../../functions/common/logger.js';
import { encodeFrame } from '../../../functions/netconf/framing.js';
import { BASE_1_0, BASE_1_1, buildHello } from '../../../functions/netconf/hello.js';
import { NetconfSession, type NetconfTransport } from '../../../functions/netconf/session.js';

/** A transport that records the client's writes; the test sends the server's hello. */
class HelloTransport extends EventEmitter implements NetconfTransport {
  readonly writes: string[] = [];
  write(data: Buffer): void {
    this.writes.push(data.toString('utf8'));
  }
  end(): void {}
}

async function startWith(serverBases: string[], clientBases?: ('1.0' | '1.1')[]) {
  const transport = new HelloTransport();
  const started = NetconfSession.start(transport, { baseVersions: clientBases, helloTimeoutMs: 2000, logger: silentLogger() });
  transport.emit('data', encodeFrame(buildHello(serverBases, 42), 'eom'));
  return { transport, started };
}

describe('NetconfSession base versions', () => {
  it('offers both versions and chooses chunked framing by default', async () => {
    const { transport, started } = await startWith([BASE_1_0, BASE_1_1]);
    const session = await started;
    assert.match(transport.writes[0]!, new RegExp(BASE_1_0.replace(/[.:]/g, '\\$&')));
    assert.match(transport.writes[0]!, /base:1\.1/);
    assert.equal(session.framing, 'chunked');
  });

  it('offers only 1.0 and keeps end-of-message framing', async () => {
    const { transport, started } = await startWith([BASE_1_0, BASE_1_1], ['1.0']);
    const session = await started;
    assert.match(transport.writes[0]!, /base:1\.0/);
    assert.doesNotMatch(transport.writes[0]!, /base:1\.1/);
    assert.equal(session.framing, 'eom');
  });

  it('rejects a server that shares no base version', async () => {
    const { started } = await startWith([BASE_1_1], ['1.0']);
    await assert.rejects(started, (error: Error & { code?: string }) => {
      assert.equal(error.code, 'NETCONF_PROTOCOL');
      assert.match(error.message, /shares no base protocol version .*offered urn:ietf:params:netconf:base:1\.0/);
      return true;
    });
  });
});
