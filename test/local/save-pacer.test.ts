import { setImmediate as turnOfLoop } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { SavePacer } from '../../lib/local/save-pacer.ts';

/** Whether a promise has settled after the event loop turned once. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await turnOfLoop();
  return done;
}

describe('Class: SavePacer', () => {
  it('lets the first save go at once, then makes the next wait ratio × the time the last save took', async () => {
    // A clock the test moves: the waits are compared with what the saves took on it, never with real time.
    let now = 0;
    const pacer = new SavePacer(4, () => now);

    expect(await settled(pacer.turn())).toBe(true);
    await pacer.save(async () => {
      now += 60_000;
    });

    // Ended at 60 s after taking 60 s: the next save may start at 300 s.
    now = 299_000;
    const waiting = pacer.turn();
    expect(await settled(waiting)).toBe(false);
    pacer.hurry();
    expect(await settled(waiting)).toBe(true);
  });

  it('does not wait once the paced time has passed, nor after hurry()', async () => {
    let now = 0;
    const pacer = new SavePacer(4, () => now);
    await pacer.save(async () => {
      now += 1_000;
    });
    now = 5_000;
    expect(await settled(pacer.turn())).toBe(true);

    await pacer.save(async () => {
      now += 60_000;
    });
    pacer.hurry();
    expect(await settled(pacer.turn())).toBe(true);
  });

  it('times a save that fails too', async () => {
    let now = 0;
    const pacer = new SavePacer(1, () => now);
    await expect(
      pacer.save(async () => {
        now += 60_000;
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    const waiting = pacer.turn();
    expect(await settled(waiting)).toBe(false);
    pacer.hurry();
    await waiting;
  });
});
