import * as core from '@actions/core';
import { redact } from './redact.js';

/** Log helpers that scrub secrets first: the only way this action writes to the job log. */
export const log = {
  info: (message: string): void => core.info(redact(message)),
  warning: (message: string, title?: string): void => core.warning(redact(message), title ? { title } : undefined),
  error: (message: string): void => core.error(redact(message)),
  debug: (message: string): void => core.debug(redact(message)),
};

export async function inGroup<T>(title: string, body: () => Promise<T>): Promise<T> {
  return core.group(redact(title), body);
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
