import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { FrameDecoder, chunkedFramingAllowance, encodeFrame, type Framing } from '../../../functions/netconf/framing.js';
import { NetconfFramingError } from '../../../functions/netconf/errors.js';

/** Feeds `input` to a fresh decoder in two pieces split at `at` and returns the decoded messages as text. */
function decodeSplit(framing: Framing, input: Buffer, at: number): string[] {
  const decoder = new FrameDecoder({ framing });
  const messages = [...decoder.push(input.subarray(0, at)), ...decoder.push(input.subarray(at))];
  return messages.map((message) => message.toString('utf8'));
}

function decodeByteByByte(framing: Framing, input: Buffer): string[] {
  const decoder = new FrameDecoder({ framing });
  const messages: Buffer[] = [];
  for (let index = 0; index < input.length; index += 1) {
    messages.push(...decoder.push(input.subarray(index, index + 1)));
  }
  return messages.map((message) => message.toString('utf8'));
}

const wellFormedCases: Array<{ name: string; framing: Framing; wire: string | Buffer; expected: string[] }> = [
  { name: 'one eom message', framing: 'eom', wire: '<a/>]]>]]>', expected: ['<a/>'] },
  { name: 'two eom messages', framing: 'eom', wire: '<a/>]]>]]><b/>]]>]]>', expected: ['<a/>', '<b/>'] },
  { name: 'eom with "]]>" inside content', framing: 'eom', wire: '<a>]]&gt;]]></a>]]>]]>', expected: ['<a>]]&gt;]]></a>'] },
  { name: 'eom with multi-byte UTF-8', framing: 'eom', wire: '<a>é€😀</a>]]>]]>', expected: ['<a>é€😀</a>'] },
  { name: 'one chunk', framing: 'chunked', wire: '\n#4\n<a/>\n##\n', expected: ['<a/>'] },
  { name: 'three chunks', framing: 'chunked', wire: '\n#2\n<a\n#1\n/\n#1\n>\n##\n', expected: ['<a/>'] },
  { name: 'two chunked messages', framing: 'chunked', wire: '\n#4\n<a/>\n##\n\n#4\n<b/>\n##\n', expected: ['<a/>', '<b/>'] },
  { name: '"#" and "]]>" inside chunk data', framing: 'chunked', wire: '\n#16\n<a>#1\n]]>]]></a>\n##\n', expected: ['<a>#1\n]]>]]></a>'] },
  { name: 'chunk data that looks like a header', framing: 'chunked', wire: '\n#8\n\n##\n\n#5\n\n##\n', expected: ['\n##\n\n#5\n'] },
  // "é" is 2 bytes, "€" 3 and "😀" 4, so the chunk is 16 bytes but 11 UTF-16 code units.
  { name: 'chunk size counted in bytes', framing: 'chunked', wire: '\n#16\n<a>é€😀</a>\n##\n', expected: ['<a>é€😀</a>'] },
  { name: 'multi-byte character split across chunks', framing: 'chunked', wire: Buffer.concat([Buffer.from('\n#4\n<a>'), Buffer.from([0xf0]), Buffer.from('\n#7\n'), Buffer.from([0x9f, 0x98, 0x80]), Buffer.from('</a>\n##\n')]), expected: ['<a>😀</a>'] },
  { name: 'whitespace before the first chunk', framing: 'chunked', wire: '\r\n \n#4\n<a/>\n##\n', expected: ['<a/>'] },
];

function wireBytes(wire: string | Buffer): Buffer {
  return typeof wire === 'string' ? Buffer.from(wire, 'utf8') : wire;
}

describe('FrameDecoder', () => {
  for (const testCase of wellFormedCases) {
    it(`decodes ${testCase.name} split at every byte boundary`, () => {
      const input = wireBytes(testCase.wire);
      for (let at = 0; at <= input.length; at += 1) {
        assert.deepEqual(decodeSplit(testCase.framing, input, at), testCase.expected, `split at byte ${at}`);
      }
    });

    it(`decodes ${testCase.name} fed one byte at a time`, () => {
      assert.deepEqual(decodeByteByByte(testCase.framing, wireBytes(testCase.wire)), testCase.expected);
    });
  }

  it('keeps an incomplete message buffered until its end arrives', () => {
    const decoder = new FrameDecoder({ framing: 'chunked' });

    assert.deepEqual(decoder.push(Buffer.from('\n#8\n<a>')), []);
    assert.equal(decoder.bufferedBytes, 7);
    assert.deepEqual(decoder.push(Buffer.from('x</a>\n#')), []);
    const messages = decoder.push(Buffer.from('#\n'));

    assert.deepEqual(messages.map(String), ['<a>x</a>']);
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('re-reads buffered bytes after setFraming', () => {
    const decoder = new FrameDecoder({ framing: 'eom' });

    const first = decoder.push(Buffer.from('<hello/>]]>]]>\n#4\n<a/>'));
    decoder.setFraming('chunked');
    const second = decoder.push(Buffer.from('\n##\n'));

    assert.deepEqual(first.map(String), ['<hello/>']);
    assert.deepEqual(second.map(String), ['<a/>']);
  });

  it('returns the bytes after setFraming even when no new bytes arrive', () => {
    const decoder = new FrameDecoder({ framing: 'eom' });
    decoder.push(Buffer.from('<hello/>]]>]]>\n#4\n<a/>\n##\n'));

    decoder.setFraming('chunked');

    assert.deepEqual(decoder.push(Buffer.alloc(0)).map(String), ['<a/>']);
  });

  const invalidHeaders: Array<{ name: string; wire: string; reason: RegExp }> = [
    { name: 'zero size "#0"', wire: '\n#0\n\n##\n', reason: /start with a digit 1-9/ },
    { name: 'leading zero', wire: '\n#04\n<a/>\n##\n', reason: /no leading zero/ },
    { name: 'missing LF before "#"', wire: '#4\n<a/>\n##\n', reason: /line feed before "#"/ },
    { name: 'missing LF after the size', wire: '\n#4<a/>\n##\n', reason: /decimal digits followed by a line feed/ },
    { name: 'size over 4294967295', wire: '\n#4294967296\n', reason: /over the maximum of 4294967295/ },
    { name: 'eleven-digit size', wire: '\n#10000000000\n', reason: /over the maximum/ },
    { name: 'non-digit size', wire: '\n#x\n', reason: /decimal digits/ },
    { name: 'negative size', wire: '\n#-4\n<a/>', reason: /decimal digits/ },
    { name: 'empty size', wire: '\n#\n<a/>', reason: /chunk size is missing/ },
    { name: 'end-of-chunks without a chunk', wire: '\n##\n', reason: /before any chunk/ },
    { name: 'missing LF after "##"', wire: '\n#4\n<a/>\n##x', reason: /line feed after "##"/ },
    { name: 'chunk data longer than its size', wire: '\n#3\n<a/>\n##\n', reason: /line feed before "#"/ },
  ];

  for (const testCase of invalidHeaders) {
    it(`throws NetconfFramingError for ${testCase.name}`, () => {
      const decoder = new FrameDecoder({ framing: 'chunked' });

      assert.throws(() => decoder.push(Buffer.from(testCase.wire, 'utf8')), (error: unknown) => {
        assert.ok(error instanceof NetconfFramingError);
        assert.equal(error.code, 'NETCONF_FRAMING');
        assert.match(error.message, testCase.reason);
        return true;
      });
    });
  }

  it('accepts the maximum chunk size 4294967295 in a header', () => {
    const decoder = new FrameDecoder({ framing: 'chunked', maxMessageBytes: Number.MAX_SAFE_INTEGER });

    assert.deepEqual(decoder.push(Buffer.from('\n#4294967295\nabc')), []);
    assert.equal(decoder.bufferedBytes, 16);
  });

  it('throws on a chunked message over maxMessageBytes from its header', () => {
    const decoder = new FrameDecoder({ framing: 'chunked', maxMessageBytes: 8 });

    assert.deepEqual(decoder.push(Buffer.from('\n#5\n12345')), []);
    assert.throws(() => decoder.push(Buffer.from('\n#4\n')), /at least 9 bytes is over the limit of 8 bytes/);
  });

  it('throws on an eom message over maxMessageBytes before its delimiter', () => {
    const decoder = new FrameDecoder({ framing: 'eom', maxMessageBytes: 8 });

    assert.deepEqual(decoder.push(Buffer.from('12345678]]>]]>')).map(String), ['12345678']);
    assert.deepEqual(decoder.push(Buffer.from('12345678]]>]]')), []);
    assert.throws(() => decoder.push(Buffer.from('1234567')), NetconfFramingError);
  });
});

/** Runs a full garbage collection, so heap measurements count only live objects. */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
}

/** Builds `count` one-byte chunks of the letter "a", without the end-of-chunks marker. */
function oneByteChunks(count: number): Buffer {
  return Buffer.from('\n#1\na'.repeat(count), 'ascii');
}

describe('FrameDecoder chunked framing limits', () => {
  it('allows one eighth of maxMessageBytes plus 4 KiB of framing', () => {
    assert.equal(chunkedFramingAllowance(1024), 4224);
    assert.equal(chunkedFramingAllowance(64 * 1024 * 1024), 8 * 1024 * 1024 + 4096);
  });

  it('rejects endless whitespace between messages', () => {
    const decoder = new FrameDecoder({ framing: 'chunked', maxMessageBytes: 1024 });
    const whitespace = Buffer.alloc(64 * 1024, 0x20);

    assert.throws(
      () => {
        for (let index = 0; index < 1600; index += 1) {
          decoder.push(whitespace);
        }
      },
      (error: unknown) => {
        assert.ok(error instanceof NetconfFramingError);
        assert.match(error.message, /over the limit of 5248 bytes \(maxMessageBytes 1024 plus 4224 bytes of framing\)/);
        return true;
      },
    );
    assert.ok(decoder.bufferedBytes < 64 * 1024, `${decoder.bufferedBytes} bytes still buffered`);
  });

  it('accepts whitespace within the framing allowance', () => {
    const decoder = new FrameDecoder({ framing: 'chunked', maxMessageBytes: 1024 });
    const wire = Buffer.concat([Buffer.alloc(4000, 0x20), Buffer.from('\n#4\n<a/>\n##\n')]);

    assert.deepEqual(decoder.push(wire).map(String), ['<a/>']);
  });

  it('rejects a message of one-byte chunks whose headers exceed the allowance', () => {
    const decoder = new FrameDecoder({ framing: 'chunked', maxMessageBytes: 64 * 1024 });

    // 20000 data bytes fit maxMessageBytes, but 80000 bytes of headers exceed the 12288 bytes of framing.
    assert.throws(() => decoder.push(oneByteChunks(20_000)), (error: unknown) => {
      assert.ok(error instanceof NetconfFramingError);
      assert.match(error.message, /over the limit of 77824 bytes \(maxMessageBytes 65536 plus 12288 bytes of framing\)/);
      return true;
    });
  });

  it('decodes small chunks that fit the allowance', () => {
    const decoder = new FrameDecoder({ framing: 'chunked', maxMessageBytes: 1024 });
    const wire = encodeFrame('x'.repeat(1024), 'chunked', { maxChunkBytes: 40 });

    assert.deepEqual(decoder.push(wire).map(String), ['x'.repeat(1024)]);
  });

  it('keeps no per-chunk state while a message arrives', () => {
    const chunkCount = 1_000_000;
    const decoder = new FrameDecoder({ framing: 'chunked', maxMessageBytes: 8 * 1024 * 1024 });
    const wire = oneByteChunks(chunkCount);
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;

    for (let offset = 0; offset < wire.length; offset += 64 * 1024) {
      assert.deepEqual(decoder.push(wire.subarray(offset, offset + 64 * 1024)), []);
    }
    collectGarbage();
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    const [message] = decoder.push(Buffer.from('\n##\n'));

    // One object per chunk would take tens of MiB of heap; the decoded data lives outside the heap.
    assert.ok(heapGrowth < 8 * 1024 * 1024, `heap grew by ${heapGrowth} bytes`);
    assert.equal(message!.length, chunkCount);
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('rejects setFraming in the middle of a chunked message', () => {
    const decoder = new FrameDecoder({ framing: 'chunked' });
    decoder.push(Buffer.from('\n#4\n<a'));

    assert.throws(() => decoder.setFraming('eom'), /only between messages/);
  });
});

describe('encodeFrame', () => {
  it('appends "]]>]]>" in eom framing', () => {
    assert.equal(encodeFrame('<a/>', 'eom').toString(), '<a/>]]>]]>');
  });

  it('counts chunk sizes in UTF-8 bytes', () => {
    assert.equal(encodeFrame('<a>€</a>', 'chunked').toString('utf8'), '\n#10\n<a>€</a>\n##\n');
  });

  it('splits into chunks of maxChunkBytes', () => {
    assert.equal(encodeFrame('<abc/>', 'chunked', { maxChunkBytes: 4 }).toString(), '\n#4\n<abc\n#2\n/>\n##\n');
  });

  it('rejects an empty chunked message', () => {
    assert.throws(() => encodeFrame('', 'chunked'), NetconfFramingError);
  });

  it('rejects "]]>]]>" inside an eom message', () => {
    assert.throws(() => encodeFrame('<a><![CDATA[]]>]]></a>', 'eom'), /containing "\]\]>\]\]>"/);
  });

  for (const framing of ['eom', 'chunked'] as const) {
    it(`round-trips through FrameDecoder in ${framing} framing`, () => {
      const text = '<rpc>é€😀 # ]]> \n##\n</rpc>'.repeat(50);
      const safeText = framing === 'eom' ? text : `${text}]]>]]>`;
      const wire = encodeFrame(safeText, framing, { maxChunkBytes: 7 });

      const decoded = decodeByteByByte(framing, wire);

      assert.deepEqual(decoded, [safeText]);
    });
  }
});
