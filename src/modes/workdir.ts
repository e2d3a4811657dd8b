import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** This run's files live under RUNNER_TEMP, which the runner empties after the job. */
export function actionWorkDir(release: string): string {
  const directory = join(process.env.RUNNER_TEMP || tmpdir(), 'harbor-tke-action', release);
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  return directory;
}
