/**
 * A bounded map of the most recently stored entries (insertion order, oldest evicted
 * first). The worker stores each handled command's result here, so a redelivered command
 * gets the same result again without being run twice.
 */
export class RecentResults<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly capacity: number) {}

  get(key: string): T | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: T): void {
    if (this.capacity <= 0) {
      return;
    }
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
