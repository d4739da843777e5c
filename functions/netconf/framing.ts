import { NetconfFramingError } from './errors.js';

/**
 * RFC 6242 message framing: `eom` ends each message with `]]>]]>` (base:1.0, section 4.3),
 * `chunked` sends `\n#<size>\n<data>` chunks ended by `\n##\n` (base:1.1, section 4.2).
 */
export type Framing = 'eom' | 'chunked';

/** Default upper bound on one decoded message, in bytes (64 MiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Default size of the chunks `encodeFrame` writes, in bytes. */
export const DEFAULT_MAX_CHUNK_BYTES = 64 * 1024;

/** Largest chunk size RFC 6242 section 4.2 allows (2^32 - 1). */
export const MAX_CHUNK_SIZE = 4294967295;

const END_OF_MESSAGE = Buffer.from(']]>]]>', 'utf8');
const END_OF_CHUNKS = Buffer.from('\n##\n', 'utf8');
const LF = 0x0a;
const HASH = 0x23;
const DIGIT_ZERO = 0x30;
const DIGIT_NINE = 0x39;
// "4294967295" has ten digits; an eleventh digit is always over the limit.
const MAX_CHUNK_SIZE_DIGITS = 10;

/**
 * Splits a byte stream into NETCONF messages. Bytes are buffered as bytes and each message
 * is returned whole, so a multi-byte UTF-8 character split across reads is never decoded
 * in halves, and chunk sizes are counted in bytes as RFC 6242 requires.
 */
export class FrameDecoder {
  private framing: Framing;
  private readonly maxMessageBytes: number;

  // Received bytes not yet returned live in buffer[start, end). The region grows by
  // doubling, so buffering a large message costs linear time however it was split.
  private buffer: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;

  // eom: offset (from start) before which no delimiter can begin.
  private eomScanFrom = 0;
  // chunked: parse offset (from start) and the chunk data ranges of the current message.
  private chunkCursor = 0;
  private chunkRanges: Array<[number, number]> = [];
  private chunkDataBytes = 0;

  constructor(options: { framing: Framing; maxMessageBytes?: number }) {
    this.framing = options.framing;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  /** Switches framing (after the hello exchange); bytes already buffered are re-read with it. */
  setFraming(framing: Framing): void {
    this.framing = framing;
    this.resetMessageState();
  }

  /**
   * Appends received bytes and returns the messages they complete, in order: all of them, or at
   * most `maxMessages`, leaving the rest buffered for the next call.
   * @throws NetconfFramingError on an invalid chunk header or a message over `maxMessageBytes`.
   */
  push(chunk: Buffer, maxMessages = Number.POSITIVE_INFINITY): Buffer[] {
    this.append(chunk);
    const messages: Buffer[] = [];
    while (messages.length < maxMessages) {
      const message = this.framing === 'eom' ? this.nextEomMessage() : this.nextChunkedMessage();
      if (message === undefined) {
        return messages;
      }
      messages.push(message);
    }
    return messages;
  }

  /** Number of received bytes not yet returned as part of a message. */
  get bufferedBytes(): number {
    return this.end - this.start;
  }

  private append(chunk: Buffer): void {
    const buffered = this.end - this.start;
    if (this.end + chunk.length > this.buffer.length) {
      const capacity = Math.max(buffered + chunk.length, this.buffer.length * 2, 4096);
      const grown = capacity > this.buffer.length ? Buffer.allocUnsafe(capacity) : this.buffer;
      this.buffer.copy(grown, 0, this.start, this.end);
      this.buffer = grown;
      this.start = 0;
      this.end = buffered;
    }
    chunk.copy(this.buffer, this.end);
    this.end += chunk.length;
  }

  private consume(byteCount: number): void {
    this.start += byteCount;
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
    }
    this.resetMessageState();
  }

  private resetMessageState(): void {
    this.eomScanFrom = 0;
    this.chunkCursor = 0;
    this.chunkRanges = [];
    this.chunkDataBytes = 0;
  }

  private nextEomMessage(): Buffer | undefined {
    const pending = this.buffer.subarray(this.start, this.end);
    const delimiterAt = pending.indexOf(END_OF_MESSAGE, this.eomScanFrom);
    if (delimiterAt === -1) {
      // A delimiter may still begin in the last five bytes once more bytes arrive.
      this.eomScanFrom = Math.max(0, pending.length - (END_OF_MESSAGE.length - 1));
      if (pending.length > this.maxMessageBytes + END_OF_MESSAGE.length) {
        throw this.tooLarge(pending.length);
      }
      return undefined;
    }
    if (delimiterAt > this.maxMessageBytes) {
      throw this.tooLarge(delimiterAt);
    }
    const message = Buffer.from(pending.subarray(0, delimiterAt));
    this.consume(delimiterAt + END_OF_MESSAGE.length);
    return message;
  }

  private nextChunkedMessage(): Buffer | undefined {
    const pending = this.buffer.subarray(this.start, this.end);
    for (;;) {
      if (this.chunkRanges.length === 0) {
        this.skipWhitespaceBetweenMessages(pending);
      }
      const header = parseChunkHeader(pending, this.chunkCursor);
      if (header === undefined) {
        return undefined;
      }
      if (header.kind === 'end') {
        if (this.chunkRanges.length === 0) {
          throw new NetconfFramingError('Invalid chunked framing: end-of-chunks marker "\\n##\\n" before any chunk; a message needs at least one chunk (RFC 6242 section 4.2)');
        }
        const message = Buffer.allocUnsafe(this.chunkDataBytes);
        let offset = 0;
        for (const [from, to] of this.chunkRanges) {
          offset += pending.copy(message, offset, from, to);
        }
        this.consume(header.next);
        return message;
      }
      if (this.chunkDataBytes + header.size > this.maxMessageBytes) {
        throw this.tooLarge(this.chunkDataBytes + header.size);
      }
      if (pending.length - header.next < header.size) {
        return undefined;
      }
      this.chunkRanges.push([header.next, header.next + header.size]);
      this.chunkDataBytes += header.size;
      this.chunkCursor = header.next + header.size;
    }
  }

  // Some servers send a newline after the `]]>]]>` of their hello and then switch to
  // chunked framing. Whitespace before a message's first chunk header carries no data, so it
  // is skipped, keeping the LF that starts the header.
  private skipWhitespaceBetweenMessages(pending: Buffer): void {
    while (this.chunkCursor < pending.length) {
      const byte = pending[this.chunkCursor]!;
      if (!isXmlWhitespace(byte)) {
        return;
      }
      if (byte === LF) {
        if (this.chunkCursor + 1 >= pending.length || pending[this.chunkCursor + 1] === HASH) {
          return;
        }
      }
      this.chunkCursor += 1;
    }
  }

  private tooLarge(byteCount: number): NetconfFramingError {
    return new NetconfFramingError(
      `NETCONF message of at least ${byteCount} bytes is over the limit of ${this.maxMessageBytes} bytes; raise maxMessageBytes if the server sends larger replies`,
    );
  }
}

type ChunkHeader = { kind: 'chunk'; size: number; next: number } | { kind: 'end'; next: number };

/**
 * Parses `\n#<size>\n` or `\n##\n` at `offset`. Returns undefined when more bytes are
 * needed, and throws as soon as the bytes present cannot start a valid header.
 */
function parseChunkHeader(bytes: Buffer, offset: number): ChunkHeader | undefined {
  if (offset >= bytes.length) {
    return undefined;
  }
  if (bytes[offset] !== LF) {
    throw invalidHeader(bytes, offset, 'expected a line feed before "#"');
  }
  if (offset + 1 >= bytes.length) {
    return undefined;
  }
  if (bytes[offset + 1] !== HASH) {
    throw invalidHeader(bytes, offset, 'expected "#" after the line feed');
  }
  if (offset + 2 >= bytes.length) {
    return undefined;
  }
  if (bytes[offset + 2] === HASH) {
    if (offset + 3 >= bytes.length) {
      return undefined;
    }
    if (bytes[offset + 3] !== LF) {
      throw invalidHeader(bytes, offset, 'expected a line feed after "##"');
    }
    return { kind: 'end', next: offset + END_OF_CHUNKS.length };
  }

  let size = 0;
  let position = offset + 2;
  for (; position < bytes.length; position += 1) {
    const byte = bytes[position]!;
    const digitCount = position - (offset + 2);
    if (byte === LF) {
      if (digitCount === 0) {
        throw invalidHeader(bytes, offset, 'the chunk size is missing');
      }
      return { kind: 'chunk', size, next: position + 1 };
    }
    if (byte < DIGIT_ZERO || byte > DIGIT_NINE) {
      throw invalidHeader(bytes, offset, 'the chunk size must be decimal digits followed by a line feed');
    }
    if (digitCount === 0 && byte === DIGIT_ZERO) {
      throw invalidHeader(bytes, offset, 'the chunk size must start with a digit 1-9 (no zero size, no leading zero)');
    }
    if (digitCount >= MAX_CHUNK_SIZE_DIGITS) {
      throw invalidHeader(bytes, offset, `the chunk size is over the maximum of ${MAX_CHUNK_SIZE}`);
    }
    size = size * 10 + (byte - DIGIT_ZERO);
    if (size > MAX_CHUNK_SIZE) {
      throw invalidHeader(bytes, offset, `the chunk size is over the maximum of ${MAX_CHUNK_SIZE}`);
    }
  }
  return undefined;
}

function invalidHeader(bytes: Buffer, offset: number, reason: string): NetconfFramingError {
  const seen = JSON.stringify(bytes.subarray(offset, offset + 16).toString('latin1'));
  return new NetconfFramingError(`Invalid chunk header ${seen}: ${reason} (RFC 6242 section 4.2)`);
}

function isXmlWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === LF;
}

/**
 * Frames one message for sending. Chunk sizes are byte counts of the UTF-8 encoding.
 * @throws NetconfFramingError for an empty message in chunked framing (a chunk has at least
 *   one byte) or a message containing `]]>]]>` in eom framing (it would end early).
 */
export function encodeFrame(message: string | Buffer, framing: Framing, options: { maxChunkBytes?: number } = {}): Buffer {
  const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  if (framing === 'eom') {
    if (body.includes(END_OF_MESSAGE)) {
      throw new NetconfFramingError('Cannot send a message containing "]]>]]>" with end-of-message framing; the peer would read it as the end of the message');
    }
    return Buffer.concat([body, END_OF_MESSAGE]);
  }

  const maxChunkBytes = options.maxChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES;
  if (!Number.isInteger(maxChunkBytes) || maxChunkBytes < 1 || maxChunkBytes > MAX_CHUNK_SIZE) {
    throw new RangeError(`maxChunkBytes must be an integer from 1 to ${MAX_CHUNK_SIZE}, got ${maxChunkBytes}`);
  }
  if (body.length === 0) {
    throw new NetconfFramingError('Cannot send an empty message with chunked framing; a chunk carries at least one byte');
  }
  const parts: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += maxChunkBytes) {
    const data = body.subarray(offset, Math.min(offset + maxChunkBytes, body.length));
    parts.push(Buffer.from(`\n#${data.length}\n`, 'ascii'), data);
  }
  parts.push(END_OF_CHUNKS);
  return Buffer.concat(parts);
}
