/** Time comes from here, never from `new Date()` in the core, so tests and the demo can move it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that runs at real speed from an adjustable offset (the demo clock, and tests). */
export class OffsetClock implements Clock {
  private offsetMs = 0;
  constructor(private readonly base: Clock = systemClock) {}
  now(): Date {
    return new Date(this.base.now().getTime() + this.offsetMs);
  }
  /** Moves time forward (never back) so that now() is at least `to`. */
  advanceTo(to: Date): void {
    const delta = to.getTime() - this.now().getTime();
    if (delta > 0) this.offsetMs += delta;
  }
  get offset(): number {
    return this.offsetMs;
  }
}
