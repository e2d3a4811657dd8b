import { listItemKey, listKeysAt } from './merge-keys.js';

/**
 * One walk over an object as declared (the rendered chart), as stored (Helm's record of the last
 * deploy) and as live (the cluster), the way an apply merges them: the fields declared or stored
 * are the ones a deploy sets or removes; fields only the cluster has (status, defaults, what
 * another field manager added to a map or a keyed list) are left alone by an apply, and so by the
 * walk. Lists with merge keys are matched on them; atomic lists are replaced whole by an apply, so
 * their live-only items count too.
 */
export type Segment = { field: string } | { item: string };

export interface Leaf {
  segments: Segment[];
  /** Dotted, list items by their merge keys or positions: spec.template.spec.containers[core].image (the form randomPaths uses). */
  path: string;
  /** Field names from the root, list positions left out: what list keys and API defaults are looked up by. */
  fields: string[];
  declared: unknown;
  stored: unknown;
  live: unknown;
}

/** What a leaf shows in each version of the object; undefined leaves the field out. */
export interface Shown {
  before: unknown;
  after: unknown;
}

type Tree = Record<string, unknown>;

export function isMap(value: unknown): value is Tree {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function unique(keys: Iterable<string>): string[] {
  return [...new Set(keys)];
}

function keyed(list: unknown, keyOf: (item: unknown, index: number) => string): Map<string, unknown> | undefined {
  return Array.isArray(list) ? new Map(list.map((item, index) => [keyOf(item, index), item])) : undefined;
}

/**
 * Walks the three versions and builds the two shown ones: `before` (the live object, cut down to
 * the declared and stored fields) and `after` (the declared object), each leaf as `visit` decides.
 */
export function walkThreeWay(declared: unknown, stored: unknown, live: unknown, kind: string | undefined, visit: (leaf: Leaf) => Shown): Shown {
  return walk(declared, stored, live, { kind, fields: [], segments: [], path: '' }, visit);
}

interface At {
  kind?: string;
  fields: string[];
  segments: Segment[];
  path: string;
}

function walk(declared: unknown, stored: unknown, live: unknown, at: At, visit: (leaf: Leaf) => Shown): Shown {
  if (isMap(declared) || isMap(stored)) {
    const d = isMap(declared) ? declared : undefined;
    const s = isMap(stored) ? stored : undefined;
    const l = isMap(live) ? live : undefined;
    const before: Tree | undefined = l ? {} : undefined;
    const after: Tree | undefined = d ? {} : undefined;
    for (const key of unique([...Object.keys(d ?? {}), ...Object.keys(s ?? {})])) {
      const shown = walk(d?.[key], s?.[key], l?.[key], { kind: at.kind, fields: [...at.fields, key], segments: [...at.segments, { field: key }], path: at.path ? `${at.path}.${key}` : key }, visit);
      if (before && shown.before !== undefined) before[key] = shown.before;
      if (after && shown.after !== undefined) after[key] = shown.after;
    }
    return { before, after };
  }
  if (Array.isArray(declared) || Array.isArray(stored)) {
    const keys = at.kind ? listKeysAt(at.kind, at.fields) : undefined;
    const keyOf = (item: unknown, index: number) => listItemKey(keys, item, index);
    const d = keyed(declared, keyOf);
    const s = keyed(stored, keyOf);
    const l = keyed(live, keyOf);
    const before: unknown[] | undefined = l ? [] : undefined;
    const after: unknown[] | undefined = d ? [] : undefined;
    // An atomic list is replaced whole by an apply: an item only the cluster has goes too.
    const atomic = !keys;
    for (const key of unique([...(d?.keys() ?? []), ...(s?.keys() ?? []), ...(atomic ? (l?.keys() ?? []) : [])])) {
      const shown = walk(d?.get(key), s?.get(key), l?.get(key), { kind: at.kind, fields: at.fields, segments: [...at.segments, { item: key }], path: `${at.path}[${key}]` }, visit);
      if (before && shown.before !== undefined) before.push(shown.before);
      if (after && shown.after !== undefined) after.push(shown.after);
    }
    return { before, after };
  }
  return visit({ segments: at.segments, path: at.path, fields: at.fields, declared, stored, live });
}

/** A value at a path of segments (list items by their keys), as the walk names them. */
export function valueAt(tree: unknown, segments: readonly Segment[], kind?: string): unknown {
  let node = tree;
  const fields: string[] = [];
  for (const segment of segments) {
    if ('field' in segment) {
      if (!isMap(node)) return undefined;
      node = node[segment.field];
      fields.push(segment.field);
    } else {
      if (!Array.isArray(node)) return undefined;
      const keys = kind ? listKeysAt(kind, fields) : undefined;
      node = node.find((item, index) => listItemKey(keys, item, index) === segment.item);
    }
  }
  return node;
}
