import type { ActionRun } from './run-action.js';
import { visibleLog } from './run-action.js';

/**
 * Every form in which a secret could leak: as is, base64, base64url, URL-encoded, and as Helm's
 * `urlquery` (Go's QueryEscape) writes it into a chart's Redis URL.
 */
export function leakForms(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const goQuery = [...bytes].map((byte) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : byte === 0x20 ? '+' : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
  return [...new Set([secret, bytes.toString('base64'), bytes.toString('base64url'), encodeURIComponent(secret), goQuery])];
}

/** Where a secret (or an encoded form) shows up in what a user or a later step can see. */
export function findLeaks(run: ActionRun, secrets: string[]): string[] {
  const places: [string, string][] = [
    ['stdout', visibleLog(run.stdout)],
    ['stderr', run.stderr],
    ['summary', run.summary],
    ...Object.entries(run.outputs).map(([name, value]): [string, string] => [`output ${name}`, value]),
    ...[...run.files()].map(([path, text]): [string, string] => [`file ${path}`, text]),
  ];
  if (run.post) places.push(['post stdout', visibleLog(run.post.stdout)], ['post stderr', run.post.stderr]);
  const leaks: string[] = [];
  for (const secret of secrets) {
    for (const form of leakForms(secret)) {
      for (const [where, text] of places) if (text.includes(form)) leaks.push(`${where} contains a form of a secret (${form === secret ? 'plain' : 'encoded'})`);
    }
  }
  return leaks;
}
