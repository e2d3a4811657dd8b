import * as core from '@actions/core';
import { registerSecret } from '../report/redact.js';
import { INPUTS, type InputName } from './definitions.js';

export type RawInputs = Record<InputName, string>;

/** Where input values come from: the runner's INPUT_ variables in the action, a plain map in tests. */
export type InputSource = (name: InputName) => string;

export const runnerInputs: InputSource = (name) => core.getInput(name);

/**
 * Reads every input, applying the declared default when empty. Secret inputs are registered for
 * masking here, before anything else can print them.
 */
export function readInputs(source: InputSource = runnerInputs): RawInputs {
  const raw = {} as RawInputs;
  for (const input of INPUTS) {
    const value = source(input.name).trim();
    if ('secret' in input && input.secret) registerSecret(value);
    raw[input.name] = value === '' ? ('default' in input ? input.default : '') : value;
  }
  return raw;
}

export function inputsFromMap(values: Partial<Record<string, string>>): InputSource {
  return (name) => values[name] ?? '';
}
