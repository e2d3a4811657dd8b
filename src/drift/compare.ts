import { listItemKey, listKeysAt } from './merge-keys.js';
import { isMap } from './three-way.js';

/**
 * Where a walk stands inside a Kubernetes object: its kind and the field names from its root,
 * which decide how the list there is keyed. Without a kind (a values tree), lists are keyed by
 * position.
 */
interface Position {
  kind?: string;
  fields: string[];
}

function child(position: Position, field: string): Position {
  return { kind: position.kind, fields: [...position.fields, field] };
}

function listKeyer(position: Position): (item: unknown, index: number) => string {
  const keys = position.kind ? listKeysAt(position.kind, position.fields) : undefined;
  return (item, index) => listItemKey(keys, item, index);
}

/** Numbers and numeric strings compare equal ("5432" in a manifest, 5432 from the API). */
function sameScalar(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((typeof a === 'number' || typeof a === 'string') && (typeof b === 'number' || typeof b === 'string')) return String(a) === String(b);
  return false;
}

/** Every leaf path of a tree, list items by their merge keys (for a Kubernetes object of `kind`) or position. */
export function leafPathsByKey(tree: unknown, kind?: string): Map<string, unknown> {
  const found = new Map<string, unknown>();
  const walk = (node: unknown, at: string, position: Position) => {
    if (isMap(node)) for (const [key, value] of Object.entries(node)) walk(value, at ? `${at}.${key}` : key, child(position, key));
    else if (Array.isArray(node)) {
      const keyOf = listKeyer(position);
      node.forEach((item, index) => walk(item, `${at}[${keyOf(item, index)}]`, position));
    } else found.set(at, node);
  };
  walk(tree, '', { kind, fields: [] });
  return found;
}

/**
 * The paths that differ between two renders of the same inputs: the chart's random fields (a
 * generated password, a certificate), which no deploy can keep equal and drift detection skips.
 */
export function randomPaths(first: unknown, second: unknown, kind?: string): Set<string> {
  const a = leafPathsByKey(first, kind);
  const b = leafPathsByKey(second, kind);
  const differing = new Set<string>();
  for (const [path, value] of a) if (!sameScalar(value, b.get(path))) differing.add(path);
  for (const path of b.keys()) if (!a.has(path)) differing.add(path);
  return differing;
}
