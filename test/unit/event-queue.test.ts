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

  it('keeps order across compaction of a large queue, including a put-back after it', () => {
    const queue = new EventQueue(1_000_000);
    for (let i = 0; i < 300_000; i++) queue.push('o', `s${i}`);
    let expected = 0;
    for (let round = 0; queue.size > 0; round++) {
      const batch = queue.take(1000);
      if (round % 7 === 3) {
        queue.putBack(batch);
        continue;
      }
      for (let j = 1; j < batch.length; j += 3) expect(batch[j]).toBe(`s${expected++}`);
    }
    expect(expected).toBe(300_000);
    expect(queue.headSeq).toBe(300_000);
  });
});
