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
 * Bytes of chunked framing (chunk headers, the end-of-chunks marker and whitespace before the
 * first chunk) one message may use on top of `maxMessageBytes`: one eighth of the limit plus
 * 4 KiB. Chunks of 40 bytes or more stay within it at any message size. A peer sending smaller
 * chunks or long runs of whitespace is rejected, so a flood of tiny chunks cannot keep the
 * decoder busy without bound.
 */
export function chunkedFramingAllowance(maxMessageBytes: number): number {
  return Math.ceil(maxMessageBytes / 8) + 4096;
}

/**
 * Splits a byte stream into NETCONF messages. Bytes are buffered as bytes and each message
 * is returned whole, so a multi-byte UTF-8 character split across reads is never decoded
 * in halves, and chunk sizes are counted in bytes as RFC 6242 requires.
 *
 * Memory is bounded by the limits, apart from the bytes of the latest `push`. An eom message
 * stays in the receive buffer until its delimiter, so at most `maxMessageBytes` + 6 bytes wait.
 * Chunked data is copied into the message buffer as it arrives (at most `maxMessageBytes`), and
 * chunk headers and whitespace are dropped once read but count against
 * `chunkedFramingAllowance(maxMessageBytes)`.
 */
export class FrameDecoder {
  private framing: Framing;
  private readonly maxMessageBytes: number;
  private readonly maxFramedBytes: number;

  // Received bytes not yet decoded live in buffer[start, end). The region grows by
  // doubling, so buffering a large eom message costs linear time however it was split.
  private buffer: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;

  // eom: offset (from start) before which no delimiter can begin.
  private eomScanFrom = 0;

  // chunked: data of the current message so far, in message[0, messageLength), grown by doubling.
  private message: Buffer = Buffer.alloc(0);
  private messageLength = 0;
  // chunked: bytes of the current chunk's data still to come.
  private chunkDataRemaining = 0;
  // chunked: header and data bytes of the current message already read out of the buffer.
  private messageFramedBytes = 0;
  // chunked: whitespace skipped before the current message's first chunk header.
  private skippedWhitespaceBytes = 0;

  constructor(options: { framing: Framing; maxMessageBytes?: number }) {
    this.framing = options.framing;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.maxFramedBytes = this.maxMessageBytes + chunkedFramingAllowance(this.maxMessageBytes);
  }

  /**
   * Switches framing (after the hello exchange); bytes already buffered are re-read with it.
   * @throws Error when called in the middle of a chunked message, whose decoded chunks could
   *   not be re-read.
   */
  setFraming(framing: Framing): void {
    if (this.messageFramedBytes > 0) {
      throw new Error('FrameDecoder.setFraming was called in the middle of a chunked message; switch framing only between messages');
    }
    this.framing = framing;
    this.resetMessageState();
  }

  /**
   * Appends received bytes and returns the messages they complete, in order: all of them, or at
   * most `maxMessages`, leaving the rest buffered for the next call.
   * @throws NetconfFramingError on an invalid chunk header, a message over `maxMessageBytes`, or
   *   chunked framing over `maxMessageBytes` + `chunkedFramingAllowance(maxMessageBytes)`.
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

  /**
   * Number of received bytes not yet returned as part of a message: the framed bytes of a
   * partly decoded chunked message (whitespace before it excluded) plus the undecoded bytes.
   */
  get bufferedBytes(): number {
    return this.messageFramedBytes + (this.end - this.start);
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
  }

  private resetMessageState(): void {
    this.eomScanFrom = 0;
    this.message = Buffer.alloc(0);
    this.messageLength = 0;
    this.chunkDataRemaining = 0;
    this.messageFramedBytes = 0;
    this.skippedWhitespaceBytes = 0;
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
    this.resetMessageState();
    return message;
  }

  private nextChunkedMessage(): Buffer | undefined {
    for (;;) {
      if (this.chunkDataRemaining > 0) {
        const available = Math.min(this.end - this.start, this.chunkDataRemaining);
        this.appendMessageData(this.buffer.subarray(this.start, this.start + available));
        this.consume(available);
        this.messageFramedBytes += available;
        this.chunkDataRemaining -= available;
        if (this.chunkDataRemaining > 0) {
          return undefined;
        }
      }

      if (this.messageFramedBytes === 0) {
        this.skipWhitespaceBetweenMessages();
      }
      const header = parseChunkHeader(this.buffer.subarray(this.start, this.end), 0);
      if (header === undefined) {
        return undefined;
      }
      this.messageFramedBytes += header.next;
      this.checkFramedBytes();
      this.consume(header.next);

      if (header.kind === 'end') {
        if (this.messageLength === 0) {
          throw new NetconfFramingError('Invalid chunked framing: end-of-chunks marker "\\n##\\n" before any chunk; a message needs at least one chunk (RFC 6242 section 4.2)');
        }
        const message = this.message.subarray(0, this.messageLength);
        this.resetMessageState();
        return message;
      }
      if (this.messageLength + header.size > this.maxMessageBytes) {
        throw this.tooLarge(this.messageLength + header.size);
      }
      this.chunkDataRemaining = header.size;
    }
  }

  private appendMessageData(data: Buffer): void {
    const needed = this.messageLength + data.length;
    if (needed > this.message.length) {
      // Doubling keeps copying linear; the cap keeps a message within maxMessageBytes.
      const capacity = Math.min(Math.max(needed, this.message.length * 2, 1024), this.maxMessageBytes);
      const grown = Buffer.allocUnsafe(Math.max(capacity, needed));
      this.message.copy(grown, 0, 0, this.messageLength);
      this.message = grown;
    }
    this.messageLength += data.copy(this.message, this.messageLength);
  }

  // Some servers send a newline after the `]]>]]>` of their hello and then switch to
  // chunked framing. Whitespace before a message's first chunk header carries no data, so it
  // is dropped, keeping an LF that may start the header. It counts against the framing
  // allowance, so endless whitespace is rejected instead of read forever.
  private skipWhitespaceBetweenMessages(): void {
    let cursor = this.start;
    while (cursor < this.end) {
      const byte = this.buffer[cursor]!;
      if (!isXmlWhitespace(byte)) {
        break;
      }
      if (byte === LF && (cursor + 1 >= this.end || this.buffer[cursor + 1] === HASH)) {
        break;
      }
      cursor += 1;
    }
    this.skippedWhitespaceBytes += cursor - this.start;
    this.consume(cursor - this.start);
    this.checkFramedBytes();
  }

  private checkFramedBytes(): void {
    const framedBytes = this.skippedWhitespaceBytes + this.messageFramedBytes;
    if (framedBytes > this.maxFramedBytes) {
      throw new NetconfFramingError(
        `Chunked NETCONF message uses at least ${framedBytes} bytes of chunk headers, chunk data and whitespace, over the limit of ${this.maxFramedBytes} bytes (maxMessageBytes ${this.maxMessageBytes} plus ${this.maxFramedBytes - this.maxMessageBytes} bytes of framing); the peer sends too many small chunks or too much whitespace between messages`,
      );
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
