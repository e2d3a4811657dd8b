import yaml from 'js-yaml';

/** User overrides of the generated values: YAML documents and Helm --set style path=value lines. */

export type Values = Record<string, unknown>;

export class OverrideSyntaxError extends Error {}

/** Parses a values document; the error names the line, as the user sees it in their editor. */
export function parseValuesYaml(text: string, source: string): Values {
  let parsed: unknown;
  try {
    parsed = yaml.load(text, { filename: source, schema: yaml.DEFAULT_SCHEMA });
  } catch (error) {
    if (error instanceof yaml.YAMLException) {
      const line = error.mark ? ` line ${error.mark.line + 1}, column ${error.mark.column + 1}` : '';
      throw new OverrideSyntaxError(`${source}${line}: ${error.reason}`);
    }
    throw error;
  }
  if (parsed === undefined || parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new OverrideSyntaxError(`${source}: expected a YAML mapping of chart values, found ${Array.isArray(parsed) ? 'a list' : typeof parsed}`);
  }
  return parsed as Values;
}

export interface SetAssignment {
  /** Keys from the root; a number is a list index (a[0]). */
  path: (string | number)[];
  value: unknown;
  line: number;
}

/**
 * Parses `set` lines: `path=value`, one per line, Helm's --set rules for paths (`.` separates keys,
 * `\.` is a literal dot, `[n]` indexes a list) and typing (true/false, integers and null are typed,
 * everything else is a string). Unlike helm, a comma is part of the value.
 */
export function parseSetLines(text: string): { assignments: SetAssignment[]; errors: string[] } {
  const assignments: SetAssignment[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) return;
    const equals = findUnescaped(line, '=');
    if (equals <= 0) {
      errors.push(`line ${index + 1} "${line}": expected path=value, e.g. core.replicas=2`);
      return;
    }
    const path = parseSetPath(line.slice(0, equals));
    if (typeof path === 'string') {
      errors.push(`line ${index + 1} "${line.slice(0, equals)}": ${path}`);
      return;
    }
    assignments.push({ path, value: typeSetValue(line.slice(equals + 1)), line: index + 1 });
  });
  return { assignments, errors };
}

function findUnescaped(text: string, char: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === char) return i;
  }
  return -1;
}

function parseSetPath(text: string): (string | number)[] | string {
  const path: (string | number)[] = [];
  let key = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '\\' && i + 1 < text.length) {
      key += text[++i];
    } else if (char === '.') {
      if (!key) return 'empty key in path';
      path.push(key);
      key = '';
    } else if (char === '[') {
      const close = text.indexOf(']', i);
      const index = close > i ? text.slice(i + 1, close) : '';
      if (!/^\d+$/.test(index)) return 'list index must be [number]';
      if (key) path.push(key);
      key = '';
      path.push(Number(index));
      i = close;
      if (text[i + 1] === '.') i++;
    } else {
      key += char;
    }
  }
  if (key) path.push(key);
  if (path.length === 0 || typeof path[0] === 'number') return 'path must start with a key';
  return path;
}

function typeSetValue(text: string): unknown {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  if (/^-?(0|[1-9]\d{0,14})$/.test(text)) return Number(text);
  return text;
}

export function dottedPath(path: (string | number)[]): string {
  return path.map((part) => (typeof part === 'number' ? `[${part}]` : part.replace(/\./g, '\\.'))).join('.').replace(/\.\[/g, '[');
}

/** The assignments as a values tree, so that they merge like any other override. */
export function setAssignmentsToValues(assignments: SetAssignment[]): Values {
  const root: Values = {};
  for (const { path, value } of assignments) {
    let node: Record<string | number, unknown> = root;
    path.forEach((key, i) => {
      if (i === path.length - 1) {
        node[key] = value;
        return;
      }
      const nextIsIndex = typeof path[i + 1] === 'number';
      const existing = node[key];
      if (existing === null || typeof existing !== 'object') node[key] = nextIsIndex ? [] : {};
      node = node[key] as Record<string | number, unknown>;
    });
  }
  return root;
}

function isMap(value: unknown): value is Values {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Helm's values coalescing: maps merge key by key, anything else (lists included) replaces, and
 * null removes the key.
 */
export function mergeValues(base: Values, override: Values): Values {
  const result: Values = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete result[key];
    else if (isMap(value) && isMap(result[key])) result[key] = mergeValues(result[key] as Values, value);
    else result[key] = isMap(value) ? mergeValues({}, value) : value;
  }
  return result;
}
