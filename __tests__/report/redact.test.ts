import { afterEach, describe, expect, it, vi } from 'vitest';
import { clearSecretsForTests, redact, registerSecret } from '../../src/report/redact.js';
import { runTool, ToolError } from '../../src/tools/exec.js';

afterEach(() => clearSecretsForTests());

describe('redaction', () => {
  it('replaces a secret and its encoded forms, longest first', () => {
    registerSecret('p@ss word/1');
    registerSecret('p@ss');
    const b64 = Buffer.from('p@ss word/1').toString('base64');
    expect(redact(`a p@ss word/1 b ${b64} c ${encodeURIComponent('p@ss word/1')} d p@ss`)).toBe('a *** b *** c *** d ***');
  });

  it('masks a multi-line secret line by line, as the runner does', () => {
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    registerSecret('-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END KEY-----');
    const masked = stdout.mock.calls.map(([text]) => String(text));
    stdout.mockRestore();
    expect(masked).toContain('::add-mask::MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n');
    expect(redact('key line: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC')).toBe('key line: ***');
  });
});

describe('the exec wrapper', () => {
  it('returns redacted output and logs the redacted command line', async () => {
    registerSecret('hunter2-secret');
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const result = await runTool(process.execPath, ['-e', 'console.log(process.argv[1])', 'hunter2-secret']);
    const logged = stdout.mock.calls.map(([text]) => String(text)).join('');
    stdout.mockRestore();
    expect(result.stdout.trim()).toBe('***');
    expect(logged).not.toContain('hunter2-secret');
    expect(logged).toMatch(/\$ node -e .* \*\*\*/);
  });

  it('fails with the redacted tail of stderr and the exit code, unless the code is accepted', async () => {
    registerSecret('token-abc123');
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const failing = runTool(process.execPath, ['-e', 'console.error("denied for token-abc123"); process.exit(3)']);
    await expect(failing).rejects.toBeInstanceOf(ToolError);
    await expect(failing).rejects.toThrow(/failed with exit code 3: denied for \*\*\*/);
    const accepted = await runTool(process.execPath, ['-e', 'process.exit(1)'], { acceptExitCodes: [1] });
    stdout.mockRestore();
    expect(accepted.exitCode).toBe(1);
  });

  it('sends stdin to the process (passwords never go on the command line)', async () => {
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const result = await runTool(process.execPath, ['-e', 'process.stdin.pipe(process.stdout)'], { stdin: 'from stdin' });
    stdout.mockRestore();
    expect(result.stdout).toBe('from stdin');
  });
});
