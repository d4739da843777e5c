import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { loadSchemas, SCHEMA_NAMES, type SchemaName } from '../../functions/schema/index.js';
import { repositoryRoot } from '../helpers/paths.js';
import { ESC_EVENT, VM_ACTION_COMMAND, VM_ACTION_RESULT } from '../unit/schema/records.js';

// Debian's interpreter, where the python3-avro package installs the Apache Avro library.
const PYTHON = '/usr/bin/python3';
const PEER = path.join(repositoryRoot, 'test', 'peers', 'avro_peer.py');
const SCHEMA_DIRECTORY = path.join(repositoryRoot, 'schemas');
const schemas = loadSchemas(SCHEMA_DIRECTORY);

const SAMPLES: Array<[SchemaName, Record<string, unknown>]> = [
  ['EscEvent', ESC_EVENT as unknown as Record<string, unknown>],
  ['VmActionCommand', VM_ACTION_COMMAND as unknown as Record<string, unknown>],
  ['VmActionResult', VM_ACTION_RESULT as unknown as Record<string, unknown>],
];

function runPeer(command: string, input?: unknown): unknown {
  const result = spawnSync(PYTHON, [PEER, command, SCHEMA_DIRECTORY], {
    input: input === undefined ? undefined : JSON.stringify(input),
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, `${PEER} ${command} failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

describe('Avro records across implementations (avsc and Apache Avro for Python)', () => {
  before(() => {
    const probe = spawnSync(PYTHON, ['-c', 'import avro'], { encoding: 'utf8' });
    assert.equal(
      probe.status,
      0,
      `${PYTHON} cannot import the avro module; install the Debian package python3-avro (apt-get install python3-avro). ${probe.stderr ?? ''}`,
    );
  });

  it('computes the same fingerprints in Python', () => {
    const fingerprints = runPeer('fingerprints') as Record<string, string>;
    for (const name of SCHEMA_NAMES) {
      assert.equal(fingerprints[name], schemas.fingerprint(name).toString('hex'), name);
    }
  });

  it('decodes TypeScript-encoded records in Python field by field', () => {
    const messages = SAMPLES.map(([name, record]) => ({ hex: schemas.encode(name, record).toString('hex') }));
    const decoded = runPeer('decode', messages) as Array<{ name: string; fingerprint: string; record: Record<string, unknown> }>;
    assert.equal(decoded.length, SAMPLES.length);

    SAMPLES.forEach(([name, record], index) => {
      const peer = decoded[index]!;
      assert.equal(peer.name, name);
      assert.equal(peer.fingerprint, schemas.fingerprint(name).toString('hex'));
      assert.deepEqual(Object.keys(peer.record), Object.keys(record), `${name} field names`);
      for (const field of Object.keys(record)) {
        assert.deepEqual(peer.record[field], record[field], `${name}.${field}`);
      }
    });
  });

  it('decodes Python-encoded records in TypeScript', () => {
    const encoded = runPeer('encode', SAMPLES.map(([name, record]) => ({ name, record }))) as string[];
    SAMPLES.forEach(([name, record], index) => {
      const bytes = Buffer.from(encoded[index]!, 'hex');
      assert.deepEqual(bytes, schemas.encode(name, record), `${name} bytes`);
      assert.deepEqual(schemas.decodeAny(bytes), { name, record });
    });
  });
});
