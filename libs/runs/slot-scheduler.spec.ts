import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SlotScheduler, type SlotPool } from './slot-scheduler';

/** A promise with its resolve and reject, to finish a piece of work when the test says so. */
function gate(): { promise: Promise<void>; open: () => void; fail: (error: Error) => void } {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SlotScheduler', () => {
  it('never exceeds any pool, and gives every place back', async () => {
    const slots = new SlotScheduler();
    const runs: SlotPool[] = [
      { key: 'run:a', limit: 3 },
      { key: 'run:b', limit: 2 },
    ];
    const tools: SlotPool[] = [
      { key: 'tool:x', limit: 1 },
      { key: 'tool:y', limit: 2 },
    ];
    const inFlight = new Map<string, number>();
    const peak = new Map<string, number>();
    const work = Array.from({ length: 60 }, (_, i) => {
      const pools = [runs[i % 2], tools[Math.floor(i / 2) % 2]];
      return slots.run(pools, async () => {
        for (const p of pools) {
          inFlight.set(p.key, (inFlight.get(p.key) ?? 0) + 1);
          peak.set(p.key, Math.max(peak.get(p.key) ?? 0, inFlight.get(p.key)!));
        }
        await new Promise((resolve) => setTimeout(resolve, (i * 7) % 5));
        for (const p of pools) inFlight.set(p.key, inFlight.get(p.key)! - 1);
      });
    });
    await Promise.all(work);
    for (const pool of [...runs, ...tools]) {
      assert.ok(peak.get(pool.key)! <= pool.limit, `${pool.key} peaked at ${peak.get(pool.key)}`);
      assert.equal(slots.inUse(pool.key), 0);
    }
    assert.equal(peak.get('tool:y'), 2, 'a pool is used up to its limit');
  });

  it('does not let a run waiting for its own place hold a tool another run could use', async () => {
    const slots = new SlotScheduler();
    const runA = { key: 'run:a', limit: 1 };
    const runB = { key: 'run:b', limit: 1 };
    const narrow = { key: 'tool:narrow', limit: 1 };
    const other = { key: 'tool:other', limit: 4 };
    const busy = gate();
    const started: string[] = [];
    // Run A is busy with another tool; its narrow-tool item must wait for run A, not take the tool.
    const first = slots.run([runA, other], async () => {
      started.push('a-other');
      await busy.promise;
    });
    const waiting = slots.run([runA, narrow], () => Promise.resolve(started.push('a-narrow')));
    const fromB = slots.run([runB, narrow], () => Promise.resolve(started.push('b-narrow')));
    await fromB;
    assert.deepEqual(started, ['a-other', 'b-narrow']);
    busy.open();
    await Promise.all([first, waiting]);
    assert.deepEqual(started, ['a-other', 'b-narrow', 'a-narrow']);
  });

  it('starts waiters in arrival order, skipping only those that cannot start', async () => {
    const slots = new SlotScheduler();
    const run = { key: 'run:a', limit: 1 };
    const hold = gate();
    const order: number[] = [];
    const first = slots.run([run], () => hold.promise);
    const rest = [1, 2, 3].map((n) => slots.run([run], () => Promise.resolve(order.push(n))));
    await tick();
    assert.deepEqual(order, []);
    hold.open();
    await Promise.all([first, ...rest]);
    assert.deepEqual(order, [1, 2, 3]);
  });

  it('gives the places back when the work fails', async () => {
    const slots = new SlotScheduler();
    const pool = { key: 'tool:x', limit: 1 };
    const broken = gate();
    const failing = slots.run([pool], () => broken.promise);
    const next = slots.run([pool], () => Promise.resolve('ran'));
    broken.fail(new Error('tool crashed'));
    await assert.rejects(failing, /tool crashed/);
    assert.equal(await next, 'ran');
    assert.equal(slots.inUse('tool:x'), 0);
  });
});
