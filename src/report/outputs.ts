import * as core from '@actions/core';
import { redact } from './redact.js';

/** Step outputs, scrubbed of secrets: an output is visible to every later step and in logs. */
export function setOutput(name: string, value: string | number | boolean): void {
  core.setOutput(name, redact(String(value)));
}
