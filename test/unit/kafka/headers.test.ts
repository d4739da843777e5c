import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildDeadLetterMessage, cloudEventHeaders, headerString, headersToStrings } from '../../../functions/kafka/index.js';

describe('cloudEventHeaders', () => {
  it('writes CloudEvents binary-mode attributes and the content type', () => {
    const headers = cloudEventHeaders({
      id: 'e1',
      source: 'esc://esc-1',
      type: 'io.github.esckafkabridge.escEvent.VM_STOPPED',
      time: Date.parse('2016-03-02T14:07:51.318Z'),
      subject: 'dep-1',
      extensions: { escstatus: 'SUCCESS', esctenant: null },
    });
    assert.deepEqual(headers, {
      ce_specversion: '1.0',
      ce_id: 'e1',
      ce_source: 'esc://esc-1',
      ce_type: 'io.github.esckafkabridge.escEvent.VM_STOPPED',
      ce_time: '2016-03-02T14:07:51.318Z',
      ce_subject: 'dep-1',
      ce_escstatus: 'SUCCESS',
      'content-type': 'application/avro',
    });
  });

  it('leaves out an empty subject', () => {
    const headers = cloudEventHeaders({ id: 'e1', source: 's', type: 't', time: 0, subject: null });
    assert.equal('ce_subject' in headers, false);
  });
});

describe('header helpers', () => {
  it('decodes buffers and arrays to strings', () => {
    const headers = { a: Buffer.from('x'), b: [Buffer.from('y'), 'z'], c: undefined };
    assert.deepEqual(headersToStrings(headers), { a: 'x', b: ['y', 'z'] });
    assert.equal(headerString(headers, 'b'), 'y');
    assert.equal(headerString(headers, 'missing'), undefined);
  });
});

describe('buildDeadLetterMessage', () => {
  it('keeps raw bytes, key and original headers, and adds the failure headers', () => {
    const raw = Buffer.from([0xc3, 0x01, 0xff]);
    const message = buildDeadLetterMessage({
      rawValue: raw,
      key: 'vm-1',
      errorCode: 'SCHEMA_DECODE',
      reason: 'unknown fingerprint',
      component: 'worker',
      source: { topic: 'esc.commands', partition: 2, offset: '99' },
      contentType: 'application/octet-stream',
      originalHeaders: { kafka_correlationId: Buffer.from('c-1') },
      failedAt: Date.parse('2026-01-01T00:00:00Z'),
    });
    assert.equal(message.value, raw);
    assert.equal(message.key, 'vm-1');
    const headers = message.headers ?? {};
    assert.deepEqual(headers.kafka_correlationId, Buffer.from('c-1'));
    assert.equal(headers.dlq_error_code, 'SCHEMA_DECODE');
    assert.equal(headers.dlq_reason, 'unknown fingerprint');
    assert.equal(headers.dlq_component, 'worker');
    assert.equal(headers.dlq_source_topic, 'esc.commands');
    assert.equal(headers.dlq_source_partition, '2');
    assert.equal(headers.dlq_source_offset, '99');
    assert.equal(headers.dlq_failed_at, '2026-01-01T00:00:00.000Z');
  });

  it('names the ESC host for a notification', () => {
    const message = buildDeadLetterMessage({
      rawValue: Buffer.from('<notification/>'),
      key: null,
      errorCode: 'ESC_EVENT_INVALID',
      reason: 'missing event/type',
      component: 'listener',
      source: { escHost: 'esc-1' },
      contentType: 'application/xml',
      failedAt: 0,
    });
    assert.equal(message.headers?.dlq_source_esc_host, 'esc-1');
    assert.equal(message.headers?.['content-type'], 'application/xml');
  });
});
