import { inputsFromMap, readInputs } from '../../src/inputs/read.js';
import { validateInputs, type ValidationResult } from '../../src/inputs/validate.js';
import { projectRoot } from './run-action.js';

/** Validates a map of inputs as the action would, with the declared defaults applied. */
export function validate(inputs: Record<string, string>, workspace = projectRoot, env: NodeJS.ProcessEnv = {}): ValidationResult {
  return validateInputs(readInputs(inputsFromMap(inputs)), { workspace, env });
}

export function errorsOf(result: ValidationResult): string[] {
  return result.problems.errors.map((p) => `${p.input}: ${p.message}`);
}

export function warningsOf(result: ValidationResult): string[] {
  return result.problems.warnings.map((p) => `${p.input}: ${p.message}`);
}
