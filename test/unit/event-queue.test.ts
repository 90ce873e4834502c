import { EventQueue } from '../../src/monitor/event-queue';

describe('EventQueue', () => {
  it('hands out events in order, numbered from 0, and takes a failed batch back in front', () => {
    const queue = new EventQueue(10);
    for (let i = 0; i < 5; i++) queue.push('o', `s${i}`);
    expect(queue.take(2)).toEqual(['o', 's0', '', 'o', 's1', '']);
    expect(queue.headSeq).toBe(2);
    const failed = queue.take(2);
    expect(failed).toEqual(['o', 's2', '', 'o', 's3', '']);
    queue.push('c', 's0');
    queue.putBack(failed);
    expect(queue.headSeq).toBe(2);
    expect(queue.size).toBe(4);
    expect(queue.take(10)).toEqual(['o', 's2', '', 'o', 's3', '', 'o', 's4', '', 'c', 's0', '']);
    expect(queue.headSeq).toBe(6);
    expect(queue.size).toBe(0);
  });

  it('refuses events beyond its limit', () => {
    const queue = new EventQueue(2);
    expect(queue.push('o', 'a')).toBe(true);
    expect(queue.push('o', 'b')).toBe(true);
    expect(queue.push('o', 'c')).toBe(false);
    queue.take(1);
    expect(queue.push('o', 'c')).toBe(true);
  });

  it('keeps order across the chunks of a large queue, including put-backs', () => {
    const queue = new EventQueue(1_000_000);
    for (let i = 0; i < 300_000; i++) queue.push('o', `s${i}`);
    let expected = 0;
    let outOfOrder = 0;
    for (let round = 0; queue.size > 0; round++) {
      const batch = queue.take(1000);
      if (round % 7 === 3) {
        queue.putBack(batch);
        continue;
      }
      for (let j = 1; j < batch.length; j += 3) if (batch[j] !== `s${expected++}`) outOfOrder++;
    }
    expect(outOfOrder).toBe(0);
    expect(expected).toBe(300_000);
    expect(queue.headSeq).toBe(300_000);
  });

  it('agrees with a plain array through pushes, takes, put-backs and snapshots of every size', () => {
    // A plain array is the model; sizes around a chunk (1,024 events) cross its boundaries.
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const queue = new EventQueue(10_000);
    let model: string[] = [];
    let headSeq = 0;
    let next = 0;
    let lastTaken: string[] | undefined;
    for (let step = 0; step < 400; step++) {
      const dice = random(100);
      if (dice < 55) {
        const pushes = random(1_500);
        let wrong = 0;
        for (let i = 0; i < pushes; i++) {
          const accepted = queue.push('o', `s${next}`, `u${next}`);
          if (accepted !== model.length / 3 < 10_000) wrong++;
          if (accepted) model.push('o', `s${next}`, `u${next}`);
          next++;
        }
        expect(wrong).toBe(0);
      } else if (dice < 90) {
        const wanted = [1, 128, 1_023, 1_024, 1_025, 3_000][random(6)];
        const taken = queue.take(wanted);
        // Joined: comparing arrays of thousands of strings element by element is slow in Jest.
        expect(taken.join()).toBe(model.slice(0, wanted * 3).join());
        model = model.slice(wanted * 3);
        headSeq += taken.length / 3;
        lastTaken = taken;
      } else if (dice < 96 && lastTaken) {
        queue.putBack(lastTaken);
        model = lastTaken.concat(model);
        headSeq -= lastTaken.length / 3;
        lastTaken = undefined;
      } else {
        const seen: string[] = [];
        queue.forEach((op, sessionId, userId) => seen.push(op, sessionId, userId));
        expect(seen.join()).toBe(model.join());
        queue.replaceWith(seen.slice(0, random(seen.length / 3 + 1) * 3));
        model = seen.slice(0, queue.size * 3);
        lastTaken = undefined;
      }
      expect(queue.size).toBe(model.length / 3);
      expect(queue.headSeq).toBe(headSeq);
    }
  });

  it('does not change a batch it handed out when more events arrive', () => {
    const queue = new EventQueue(10_000);
    for (let i = 0; i < 1_024; i++) queue.push('o', `s${i}`);
    const batch = queue.take(1_024);
    queue.push('c', 'later');
    expect(batch).toHaveLength(3 * 1_024);
    expect(batch.at(-2)).toBe('s1023');
    expect(queue.take(10)).toEqual(['c', 'later', '']);
  });
});
