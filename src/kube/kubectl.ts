import yaml from 'js-yaml';
import { runTool, startTool, type ToolRunOptions, type ToolRunResult } from '../tools/exec.js';
import type { KubeObject } from './manifests.js';

/** The cluster as this action sees it: one kubeconfig, one context, every call through runTool. */
export interface ClusterAccess {
  kubectlPath: string;
  kubeconfig: string;
  context?: string;
}

export const FIELD_MANAGER = 'harbor-tke-action';

export class Kubectl {
  constructor(readonly access: ClusterAccess) {}

  private args(args: string[]): string[] {
    return ['--kubeconfig', this.access.kubeconfig, ...(this.access.context ? ['--context', this.access.context] : []), ...args];
  }

  run(args: string[], options?: ToolRunOptions): Promise<ToolRunResult> {
    return runTool(this.access.kubectlPath, this.args(args), options);
  }

  async json<T>(args: string[], options: ToolRunOptions = {}): Promise<T> {
    const { stdout } = await this.run([...args, '-o', 'json'], { quietStdout: true, ...options });
    return JSON.parse(stdout) as T;
  }

  /** The object, or undefined when it does not exist. */
  async get<T = KubeObject>(resource: string, name: string, namespace?: string, options: ToolRunOptions = {}): Promise<T | undefined> {
    const { stdout } = await this.run(['get', resource, name, ...(namespace ? ['-n', namespace] : []), '--ignore-not-found', '-o', 'json'], { quietStdout: true, ...options });
    return stdout.trim() ? (JSON.parse(stdout) as T) : undefined;
  }

  /** Server-side apply, owned by this action: idempotent, and a no-op when nothing changed. */
  async apply(objects: KubeObject[], group?: string): Promise<ToolRunResult> {
    const documents = objects.map((object) => yaml.dump(object, { lineWidth: -1, noRefs: true })).join('---\n');
    return this.run(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--force-conflicts', '-f', '-'], { stdin: documents, group });
  }

  async canI(verb: string, resource: string, namespace?: string): Promise<boolean> {
    const { exitCode } = await this.run(['auth', 'can-i', verb, resource, ...(namespace ? ['-n', namespace] : [])], { acceptExitCodes: [1], quietStdout: true });
    return exitCode === 0;
  }

  /** `kubectl get --watch` streaming watch events (JSON) to the callback until stopped. */
  watch(resource: string, namespace: string, selector: string, onEvent: (event: { type: string; object: KubeObject }) => void) {
    const splitter = new JsonStreamSplitter((text) => onEvent(JSON.parse(text) as { type: string; object: KubeObject }));
    return startTool(this.access.kubectlPath, this.args(['get', resource, '-n', namespace, '-l', selector, '--watch', '--output-watch-events', '-o', 'json']), (chunk) => splitter.push(chunk));
  }
}

/** Splits a stream of concatenated JSON documents (kubectl's watch output) into whole documents. */
export class JsonStreamSplitter {
  private buffer = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;

  constructor(private readonly onDocument: (text: string) => void) {}

  push(chunk: string): void {
    const offset = this.buffer.length;
    this.buffer += chunk;
    for (let i = offset; i < this.buffer.length; i++) {
      const char = this.buffer[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (char === '\\') this.escaped = true;
        else if (char === '"') this.inString = false;
        continue;
      }
      if (char === '"') this.inString = true;
      else if (char === '{') {
        if (this.depth++ === 0) this.start = i;
      } else if (char === '}' && --this.depth === 0) {
        this.onDocument(this.buffer.slice(this.start, i + 1));
        this.buffer = this.buffer.slice(i + 1);
        i = -1;
      }
    }
  }
}
