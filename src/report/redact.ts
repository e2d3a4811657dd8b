import * as core from '@actions/core';

/**
 * Every secret the action has seen, with the encoded forms it may take on the way out.
 * The runner masks what core.setSecret registers, but only in its own log: job summaries,
 * outputs, files and a local run's terminal are ours to scrub, so everything leaving the
 * process goes through redact().
 */
const knownSecrets = new Set<string>();
const REDACTED = '***';

/**
 * Go's url.QueryEscape, which Helm's `urlquery` is: the Harbor charts put Redis and database
 * passwords into URLs with it (a space becomes "+", and !'()* are escaped, unlike encodeURIComponent).
 */
export function goQueryEscape(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** A value as it may appear in text: as is, base64, base64url, URL-escaped (both ways), Go's urlquery form, JSON-escaped. */
export function encodedForms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const query = goQueryEscape(value);
  return [value, bytes.toString('base64'), bytes.toString('base64url'), encodeURIComponent(value), query, query.replace(/\+/g, '%20'), JSON.stringify(value).slice(1, -1)];
}

/** Registers a secret and its encoded forms with the runner's masker and with redact(). */
export function registerSecret(value: string | undefined): void {
  if (!value) return;
  for (const form of encodedForms(value)) {
    if (form.length === 0 || knownSecrets.has(form)) continue;
    knownSecrets.add(form);
    core.setSecret(form);
  }
  // The runner masks one line at a time: a multi-line secret (a PEM key) needs its key-material
  // lines registered too. Only lines that look like key material: a kubeconfig's structure lines
  // ("apiVersion: v1") are no secret, and masking them would garble every manifest.
  for (const line of value.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (/^[A-Za-z0-9+/=_-]{16,}$/.test(trimmed) && !knownSecrets.has(trimmed)) {
      knownSecrets.add(trimmed);
      core.setSecret(trimmed);
    }
  }
}

export function redact(text: string): string {
  if (knownSecrets.size === 0 || text.length === 0) return text;
  let result = text;
  // Longest first, so a secret that contains another is replaced whole.
  for (const secret of [...knownSecrets].sort((a, b) => b.length - a.length)) {
    if (result.includes(secret)) result = result.split(secret).join(REDACTED);
  }
  return result;
}

/** For tests: forget every registered secret. */
export function clearSecretsForTests(): void {
  knownSecrets.clear();
}
