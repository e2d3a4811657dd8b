/** What validation found wrong with one input, worded for the person who wrote the workflow. */
export interface InputProblem {
  input: string;
  message: string;
}

export class InputProblems {
  readonly errors: InputProblem[] = [];
  readonly warnings: InputProblem[] = [];

  error(input: string, message: string): void {
    this.errors.push({ input, message });
  }

  warn(input: string, message: string): void {
    this.warnings.push({ input, message });
  }
}

export class InvalidInputsError extends Error {
  constructor(readonly problems: InputProblem[]) {
    super(formatInvalidInputs(problems));
    this.name = 'InvalidInputsError';
  }
}

export function formatInvalidInputs(problems: InputProblem[]): string {
  const noun = problems.length === 1 ? 'problem' : 'problems';
  return [`${problems.length} input ${noun}; nothing was done:`, ...problems.map((p) => `  - ${p.input}: ${p.message}`)].join('\n');
}
