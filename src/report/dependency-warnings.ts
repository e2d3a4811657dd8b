/**
 * Tencent's SDK (through node-fetch 2) loads Node's deprecated `punycode` module and calls
 * `url.parse()`: Node prints a DeprecationWarning for each on stderr, in every run's log, about code
 * this action cannot change. Only those two are dropped; every other warning is shown. Imported
 * first by the entry points, before any module that could trigger them.
 */
const DEPENDENCY_DEPRECATIONS = new Set(['DEP0040', 'DEP0169']);
const emitWarning = process.emitWarning.bind(process);

process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const options = rest[0];
  const code = typeof options === 'object' && options !== null ? (options as { code?: string }).code : (rest[1] as string | undefined);
  if (code && DEPENDENCY_DEPRECATIONS.has(code)) return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;
