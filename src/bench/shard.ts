import { UsageError } from '../errors.js';
import type { Shard } from './types.js';

/** Parses `--shard K/N` (1 <= K <= N). */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    throw new UsageError(
      `--shard: expected K/N with 1 <= K <= N (e.g. --shard 2/4), got '${text}'.`,
    );
  }
  return { index, count };
}

/**
 * Task ids in natural order: "HumanEval/2" before "HumanEval/10". Digit runs compare as
 * numbers, the rest by code unit, so the order does not depend on the locale.
 */
export function compareTaskIds(a: string, b: string): number {
  const split = (id: string) => id.match(/\d+|\D+/g) ?? [];
  const left = split(a);
  const right = split(b);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i]!;
    const y = right[i]!;
    if (x === y) continue;
    const bothNumbers = /^\d/.test(x) && /^\d/.test(y);
    if (bothNumbers && Number(x) !== Number(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return left.length - right.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * The tasks of shard K/N: round-robin over the dataset's task ids in natural order, so that
 * shards get similar mixes of easy and hard tasks and the split never depends on the samples.
 */
export function shardTasks(taskIds: readonly string[], shard: Shard | null): string[] {
  const sorted = [...new Set(taskIds)].sort(compareTaskIds);
  if (!shard) return sorted;
  return sorted.filter((_, position) => position % shard.count === shard.index - 1);
}

/** A shard's results with a name for messages (its results.json path). */
export interface LabelledShard<R> {
  label: string;
  results: R;
}

/** What every shard of one run must share: how to say it, and the value to compare. */
export type ShardAgreement<R> = readonly [what: string, pick: (results: R) => unknown];

const shown = (value: unknown) => JSON.stringify(value) ?? String(value);

/**
 * Checks that labelled results are the shards of one run, or throws an Error naming the
 * files: each was run with --shard K/N, they agree on the count N and on `agree`, no shard is
 * given twice, and no two cover the same task (`covers`, said as `unit`). Missing shards are
 * allowed. Returns the first part's results (the reference) and the merge record.
 */
export function checkShards<R extends { shard: Shard | null }>(
  parts: readonly LabelledShard<R>[],
  options: {
    agree: readonly ShardAgreement<R>[];
    covers: (results: R) => Iterable<string>;
    unit: string;
  },
): { reference: R; merged: { shards: number[]; count: number } } {
  const first = parts[0];
  if (!first) throw new Error('nothing to merge: give at least one shard directory');
  const reference = first.results;
  const agree: ShardAgreement<R>[] = [
    ...options.agree,
    ['is a shard of', (results) => results.shard?.count],
  ];
  const seen = new Map<number, string>();
  const owner = new Map<string, string>();
  for (const { label, results } of parts) {
    if (!results.shard)
      throw new Error(`${label} is not a shard: it was not run with --shard K/N.`);
    for (const [what, pick] of agree) {
      const mine = shown(pick(results));
      const theirs = shown(pick(reference));
      if (mine !== theirs) {
        throw new Error(
          `${label} ${what} ${mine}, but ${first.label} ${what} ${theirs}: these are not shards of one run.`,
        );
      }
    }
    const other = seen.get(results.shard.index);
    if (other) {
      throw new Error(
        `${label} and ${other} are both shard ${results.shard.index}/${results.shard.count}.`,
      );
    }
    seen.set(results.shard.index, label);
    for (const id of options.covers(results)) {
      const previous = owner.get(id);
      if (previous) {
        throw new Error(
          `${label} and ${previous} both cover ${options.unit} ${id}: the shards overlap.`,
        );
      }
      owner.set(id, label);
    }
  }
  return {
    reference,
    merged: { shards: [...seen.keys()].sort((a, b) => a - b), count: reference.shard!.count },
  };
}
