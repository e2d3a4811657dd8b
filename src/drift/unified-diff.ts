/**
 * A unified diff of two texts, line by line, with context lines and `@@ -a,b +c,d @@` hunk
 * headers: the format helm-diff and `diff -u` print, which GitHub colours in a ```diff block.
 */

type Op = { kind: ' ' | '-' | '+'; line: string };

/** The middle part two texts do not share is compared by longest common subsequence up to this many cells; beyond, it is shown as replaced whole. */
const LCS_CELL_LIMIT = 4_000_000;

function editScript(before: string[], after: string[]): Op[] {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before[endBefore - 1] === after[endAfter - 1]) {
    endBefore--;
    endAfter--;
  }
  const head: Op[] = before.slice(0, start).map((line) => ({ kind: ' ', line }));
  const tail: Op[] = before.slice(endBefore).map((line) => ({ kind: ' ', line }));
  const a = before.slice(start, endBefore);
  const b = after.slice(start, endAfter);
  return [...head, ...middle(a, b), ...tail];
}

function middle(a: string[], b: string[]): Op[] {
  if (a.length === 0 || b.length === 0 || a.length * b.length > LCS_CELL_LIMIT) {
    return [...a.map((line): Op => ({ kind: '-', line })), ...b.map((line): Op => ({ kind: '+', line }))];
  }
  // lengths[i][j]: LCS length of a[i..] and b[j..], one row of (b.length + 1) per i.
  const width = b.length + 1;
  const lengths = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i * width + j] = a[i] === b[j] ? lengths[(i + 1) * width + j + 1]! + 1 : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i]! });
      i++;
      j++;
    } else if (lengths[(i + 1) * width + j]! >= lengths[i * width + j + 1]!) ops.push({ kind: '-', line: a[i++]! });
    else ops.push({ kind: '+', line: b[j++]! });
  }
  while (i < a.length) ops.push({ kind: '-', line: a[i++]! });
  while (j < b.length) ops.push({ kind: '+', line: b[j++]! });
  return ops;
}

function lines(text: string): string[] {
  if (text === '') return [];
  return text.replace(/\n$/, '').split('\n');
}

/** The hunks of a unified diff (no file header lines), or '' when the texts are equal. */
export function unifiedDiff(before: string, after: string, context = 3): string {
  const ops = editScript(lines(before), lines(after));
  const changed = ops.map((op, index) => (op.kind === ' ' ? -1 : index)).filter((index) => index >= 0);
  if (changed.length === 0) return '';
  // Group changes whose context overlaps into one hunk.
  const hunks: Array<[number, number]> = [];
  for (const index of changed) {
    const from = Math.max(0, index - context);
    const to = Math.min(ops.length, index + context + 1);
    const last = hunks[hunks.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else hunks.push([from, to]);
  }
  const out: string[] = [];
  for (const [from, to] of hunks) {
    // Line numbers where the hunk starts in each text: ops before it that belong to that text.
    const beforeStart = ops.slice(0, from).filter((op) => op.kind !== '+').length;
    const afterStart = ops.slice(0, from).filter((op) => op.kind !== '-').length;
    const body = ops.slice(from, to);
    const beforeCount = body.filter((op) => op.kind !== '+').length;
    const afterCount = body.filter((op) => op.kind !== '-').length;
    out.push(`@@ -${beforeCount === 0 ? beforeStart : beforeStart + 1},${beforeCount} +${afterCount === 0 ? afterStart : afterStart + 1},${afterCount} @@`);
    for (const op of body) out.push(`${op.kind}${op.line}`);
  }
  return `${out.join('\n')}\n`;
}
