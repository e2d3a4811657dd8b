import { vi } from 'vitest';

/** What the action writes to the job log (@actions/core writes to stdout), the runner's mask commands aside. */
export function captureJobLog(): { lines: () => string[]; text: () => string; restore: () => void } {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  const lines = () =>
    written
      .join('')
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'));
  return { lines, text: () => lines().join('\n'), restore: () => spy.mockRestore() };
}
