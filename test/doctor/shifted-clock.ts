/**
 * Test-only preload (`node --import ./test/doctor/shifted-clock.ts …`): this process's clock runs
 * TEST_CLOCK_OFFSET_MS ahead of the machine's, as on a server whose clock has drifted.
 */
const offset = Number(process.env.TEST_CLOCK_OFFSET_MS ?? 0);
const RealDate = Date;

class ShiftedDate extends RealDate {
  constructor(...args: unknown[]) {
    if (args.length === 0) super(RealDate.now() + offset);
    else super(...(args as [string]));
  }

  static override now(): number {
    return RealDate.now() + offset;
  }
}

globalThis.Date = ShiftedDate as DateConstructor;
