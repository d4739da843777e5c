import type { Logger } from '../common/logger.js';

/** The part of a NETCONF session that flow control drives. */
export interface PausableSession {
  pause(): void;
  resume(): void;
}

export interface FlowControlOptions {
  /** Pending records at which the session is paused (the high-water mark); at least 1. */
  maxPending: number;
  logger: Logger;
}

/**
 * Decides when the listener stops and restarts reading from ESC. The session is paused when
 * `maxPending` records wait for Kafka and resumed when `floor(maxPending / 2)` or fewer wait,
 * so a queue that hovers near the limit does not toggle the session on every record.
 */
export class FlowControl {
  readonly highWaterMark: number;
  readonly lowWaterMark: number;
  private pausedValue = false;
  private pauseCountValue = 0;
  private session: PausableSession | undefined;
  private readonly logger: Logger;

  constructor(options: FlowControlOptions) {
    if (!Number.isInteger(options.maxPending) || options.maxPending < 1) {
      throw new RangeError(`maxPending must be an integer of at least 1, not ${options.maxPending}`);
    }
    this.highWaterMark = options.maxPending;
    this.lowWaterMark = Math.floor(options.maxPending / 2);
    this.logger = options.logger;
  }

  /** True while the pending count has not yet dropped to the low-water mark after a pause. */
  get paused(): boolean {
    return this.pausedValue;
  }

  /** Number of times reading was paused. */
  get pauseCount(): number {
    return this.pauseCountValue;
  }

  /**
   * Sets the session to drive, replacing the previous one, and pauses it at once when reading is
   * paused, so a session opened while the queue is still above the low-water mark starts paused.
   */
  attach(session: PausableSession): void {
    this.session = session;
    if (this.pausedValue) {
      session.pause();
      this.logger.info({ lowWaterMark: this.lowWaterMark }, 'new ESC session paused until the Kafka queue drains');
    }
  }

  /** Forgets `session` if it is the one attached, for example after it closed. */
  detach(session: PausableSession): void {
    if (this.session === session) {
      this.session = undefined;
    }
  }

  /** Pauses or resumes the attached session for the current number of records waiting for Kafka. */
  update(pending: number): void {
    if (!this.pausedValue && pending >= this.highWaterMark) {
      this.pausedValue = true;
      this.pauseCountValue += 1;
      this.logger.warn(
        { pending, highWaterMark: this.highWaterMark, lowWaterMark: this.lowWaterMark },
        'Kafka queue is full, pausing reads from ESC',
      );
      this.session?.pause();
    } else if (this.pausedValue && pending <= this.lowWaterMark) {
      this.pausedValue = false;
      this.logger.info({ pending, lowWaterMark: this.lowWaterMark }, 'Kafka queue drained, resuming reads from ESC');
      this.session?.resume();
    }
  }
}
