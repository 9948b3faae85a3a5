import type { Shard } from '@aws-sdk/client-dynamodb-streams';
import { describe, expect, it } from 'vitest';
import { parentsFirst } from '../../local/event-stream';

const shard = (id: string, parent?: string): Shard => ({ ShardId: id, ...(parent ? { ParentShardId: parent } : {}) });
const permutations = <T>(items: readonly T[]): T[][] => (items.length <= 1 ? [[...items]] : items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest])));

/**
 * A twin that was stopped across several shard rollovers finds a chain of closed shards: a resource's later
 * events sit in the child shard, so reading a child before its parent would deliver them out of version order.
 */
describe('the twin reads stream shards parents first', () => {
  it('orders a chain of rolled-over shards parent before child, whatever order DescribeStream lists them in', () => {
    const chain = [shard('s1'), shard('s2', 's1'), shard('s3', 's2'), shard('s4', 's3')];
    for (const listed of permutations(chain)) expect(parentsFirst(listed).map((s) => s.ShardId)).toEqual(['s1', 's2', 's3', 's4']);
  });

  it('keeps every shard once, split children after their parent, and a shard whose parent is already read (or trimmed) as it comes', () => {
    const ordered = parentsFirst([shard('c2', 'p'), shard('x', 'gone'), shard('c1', 'p'), shard('p')]).map((s) => s.ShardId);
    expect(ordered).toHaveLength(4);
    expect(ordered.indexOf('p')).toBeLessThan(ordered.indexOf('c1'));
    expect(ordered.indexOf('p')).toBeLessThan(ordered.indexOf('c2'));
    expect(ordered).toContain('x');
  });
});
