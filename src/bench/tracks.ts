import { UsageError } from '../errors.js';
import { runCodegenTrack } from './codegen.js';
import { swebenchTrack } from './swebench/track.js';
import { runTestgenTrack } from './testgen/track.js';
import type { BenchRunSettings } from './run-settings.js';
import type { Track, TrackContext, TrackRun } from './track.js';
import type { BenchSuite } from './types.js';

/**
 * Which track runs a suite: the one place `bench run` (CLI and action) dispatches on
 * --suite. A suite without a track here is reported as not available in this build.
 */
export const TRACKS: Partial<Record<BenchSuite, Track>> = {
  humaneval: runCodegenTrack,
  humanevalplus: runCodegenTrack,
  testgen: runTestgenTrack,
  swebench: swebenchTrack,
};

export async function runTrack(
  settings: BenchRunSettings,
  context: TrackContext,
): Promise<TrackRun> {
  const track = TRACKS[settings.suite];
  if (!track) {
    const available = Object.keys(TRACKS).join(', ');
    throw new UsageError(
      `--suite ${settings.suite} is not available in this build: use one of ${available}.`,
    );
  }
  return track(settings, context);
}
