import type { GateOptions, HistoryEntry } from './history.js';
import type { SuiteReport } from './report.js';
import type { BenchRunSettings } from './run-settings.js';
import { compareTaskIds, shardTasks } from './shard.js';
import type { BenchSuite } from './types.js';

/**
 * What every `bench run` track shares: its signature, the tasks in scope (--limit, then
 * --shard), and the model client built from the settings.
 */

export interface TrackContext {
  /** Progress, one line at a time (stderr for the CLI, the log for the action). */
  log: (line: string) => void;
  now: Date;
  /** The history entry's id. */
  runId: string;
  /** How gate messages name --fail-below and --max-drop (the action names its inputs). */
  gateNames?: GateOptions['names'];
}

export interface TrackRun {
  suite: BenchSuite;
  /** The headline figures, one per line, for the terminal. */
  lines: string[];
  report: SuiteReport;
  /** This run's figures as the history holds them (for the action's outputs). */
  figures: Omit<HistoryEntry, 'runId' | 'date'>;
}

export type Track = (settings: BenchRunSettings, context: TrackContext) => Promise<TrackRun>;

/** The first `limit` tasks in natural order (all without a limit), then the shard's share. */
export function scopeTasks(
  taskIds: readonly string[],
  limit: number | undefined,
  shard: BenchRunSettings['shard'],
): string[] {
  const sorted = [...new Set(taskIds)].sort(compareTaskIds);
  return shardTasks(limit === undefined ? sorted : sorted.slice(0, limit), shard);
}

/** The regression gate a run asked for. */
export function gateOf(settings: BenchRunSettings, context: TrackContext): GateOptions {
  return { failBelow: settings.failBelow, maxDrop: settings.maxDrop, names: context.gateNames };
}
