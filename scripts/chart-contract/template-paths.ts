/**
 * Every `.Values` path a Helm chart's templates read, found by reading the Go templates the way
 * the template engine resolves them: `with .Values.redis` makes `.external.addr` mean
 * `redis.external.addr`, `$storage := .Values.persistence.imageChartStorage` makes
 * `$storage.s3.bucket` mean `persistence.imageChartStorage.s3.bucket`, and a map read whole
 * (`toYaml .Values.core.podAnnotations`, `with .Values.core.tolerations … toYaml .`) appears as
 * that map's path. Named templates (`define`) are read with the chart's root as their dot, which is
 * how the Harbor chart calls them (`include "…" .` or `$`).
 */

type Dot = { kind: 'root' } | { kind: 'values'; path: string } | { kind: 'unknown' };

interface Block {
  dot: Dot;
  /** The dot outside this block: an `else` of a `with` runs with it. */
  outer: Dot;
  variables: Map<string, Dot>;
  /** `define` blocks start a new variable scope where `$` is their own dot. */
  isDefine: boolean;
}

const ROOT: Dot = { kind: 'root' };
const UNKNOWN: Dot = { kind: 'unknown' };

/** `{{ … }}` actions of a template, comments left out, trim markers removed. */
function actions(template: string): string[] {
  const found: string[] = [];
  const pattern = /\{\{(.*?)\}\}/gs;
  for (const match of template.matchAll(pattern)) {
    const body = match[1]!.replace(/^-\s?/, '').replace(/\s?-$/, '').trim();
    if (body.startsWith('/*')) continue;
    found.push(body);
  }
  return found;
}

/** String literals would hide `.Values` look-alikes ("a.b" in printf): blank them out. */
function withoutStrings(action: string): string {
  return action.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/`[^`]*`/g, '""');
}

/** Field chains in an action: `$var.a.b`, `$.a.b`, `.a.b`, and a lone `.`. */
const REFERENCE = /(?<![\w)\]$.])(\$[A-Za-z_]\w*|\$)?((?:\.[A-Za-z_]\w*)+)|(?<![\w)\]$.])\.(?![\w.])/g;

export function templatePaths(templates: Iterable<string>): Set<string> {
  const paths = new Set<string>();
  for (const template of templates) readTemplate(template, paths);
  return paths;
}

function readTemplate(template: string, paths: Set<string>): void {
  const stack: Block[] = [{ dot: ROOT, outer: ROOT, variables: new Map([['$', ROOT]]), isDefine: true }];
  const top = () => stack[stack.length - 1]!;
  const variable = (name: string): Dot => {
    for (let i = stack.length - 1; i >= 0; i--) {
      const found = stack[i]!.variables.get(name);
      if (found) return found;
      if (stack[i]!.isDefine) break;
    }
    return UNKNOWN;
  };
  const resolve = (base: string | undefined, fields: string[]): Dot => {
    const start = base === undefined ? top().dot : variable(base);
    if (start.kind === 'unknown') return UNKNOWN;
    if (start.kind === 'root') {
      if (fields[0] !== 'Values') return UNKNOWN;
      return { kind: 'values', path: fields.slice(1).join('.') };
    }
    return { kind: 'values', path: [start.path, ...fields].filter(Boolean).join('.') };
  };
  /** Records every Values path the expression reads; returns what the whole expression is, when it is one reference. */
  const read = (expression: string): Dot => {
    const text = withoutStrings(expression);
    let single: Dot = UNKNOWN;
    const matches = [...text.matchAll(REFERENCE)];
    for (const match of matches) {
      const fields = match[2] ? match[2].slice(1).split('.') : [];
      const dot = resolve(match[1], fields);
      if (dot.kind === 'values' && dot.path) paths.add(dot.path);
      if (matches.length === 1 && text.trim().replace(/^\(|\)$/g, '') === match[0]) single = dot;
    }
    return single;
  };
  const push = (dot: Dot, isDefine = false) => {
    const variables = new Map<string, Dot>();
    if (isDefine) variables.set('$', ROOT);
    stack.push({ dot, outer: top().dot, variables, isDefine });
  };

  for (const action of actions(template)) {
    const [keyword = ''] = action.split(/\s+/, 1);
    const rest = action.slice(keyword.length).trim();
    switch (keyword) {
      case 'define':
        push(ROOT, true);
        break;
      case 'if':
        read(rest);
        push(top().dot);
        break;
      case 'with': {
        const assignment = /^(\$\w+)\s*:=\s*(.*)$/s.exec(rest);
        const dot = read(assignment ? assignment[2]! : rest);
        push(dot);
        if (assignment) top().variables.set(assignment[1]!, dot);
        break;
      }
      case 'range': {
        const assignment = /^(\$\w+)(?:\s*,\s*(\$\w+))?\s*:=\s*(.*)$/s.exec(rest);
        read(assignment ? assignment[3]! : rest);
        push(UNKNOWN);
        break;
      }
      case 'else': {
        const block = top();
        if (rest.startsWith('if ')) read(rest.slice(3));
        else if (rest.startsWith('with ')) block.dot = read(rest.slice(5));
        else block.dot = block.outer;
        break;
      }
      case 'end':
        if (stack.length > 1) stack.pop();
        break;
      default: {
        const assignment = /^(\$\w+)\s*:?=\s*(.*)$/s.exec(action);
        if (assignment) top().variables.set(assignment[1]!, read(assignment[2]!));
        else read(action);
      }
    }
  }
}
