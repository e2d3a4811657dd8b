/** labelSelector and fieldSelector query parameters, as the API server parses them. */
import type { KubeObject } from './types.js';

type Requirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current.trim()) parts.push(current);
  return parts.map((p) => p.trim()).filter(Boolean);
}

export class SelectorError extends Error {}

function parseRequirement(part: string): Requirement {
  const setMatch = /^(\S+)\s+(in|notin)\s+\((.*)\)$/.exec(part);
  if (setMatch) {
    const values = setMatch[3]!.split(',').map((v) => v.trim()).filter(Boolean);
    return { op: setMatch[2] as 'in' | 'notin', key: setMatch[1]!, values };
  }
  const neq = /^([^!=\s]+)\s*!=\s*(.*)$/.exec(part);
  if (neq) return { op: 'neq', key: neq[1]!, value: neq[2]!.trim() };
  const eq = /^([^!=\s]+)\s*==?\s*(.*)$/.exec(part);
  if (eq) return { op: 'eq', key: eq[1]!, value: eq[2]!.trim() };
  if (part.startsWith('!')) return { op: 'notexists', key: part.slice(1).trim() };
  if (/^[A-Za-z0-9./_-]+$/.test(part)) return { op: 'exists', key: part };
  throw new SelectorError(`unable to parse requirement: ${part}`);
}

export type Selector = (lookup: (key: string) => string | undefined) => boolean;

export function parseSelector(text: string | undefined): Selector {
  if (!text || !text.trim()) return () => true;
  const requirements = splitTopLevel(text).map(parseRequirement);
  return (lookup) =>
    requirements.every((req) => {
      const actual = lookup(req.key);
      switch (req.op) {
        case 'eq':
          return actual === req.value;
        case 'neq':
          return actual !== req.value;
        case 'in':
          return actual !== undefined && req.values.includes(actual);
        case 'notin':
          return actual === undefined || !req.values.includes(actual);
        case 'exists':
          return actual !== undefined;
        case 'notexists':
          return actual === undefined;
      }
    });
}

function fieldValue(object: KubeObject, path: string): string | undefined {
  let current: unknown = object;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  if (current === undefined || current === null) return path === 'metadata.namespace' ? '' : undefined;
  return String(current);
}

export interface ObjectFilter {
  (object: KubeObject): boolean;
}

export function objectFilter(labelSelector?: string, fieldSelector?: string): ObjectFilter {
  const labels = parseSelector(labelSelector);
  const fields = parseSelector(fieldSelector);
  return (object) => labels((key) => object.metadata.labels?.[key]) && fields((key) => fieldValue(object, key));
}
