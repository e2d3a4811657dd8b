import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { loadAll } from 'js-yaml';
import { chartFiles } from './chart-archive.js';

/**
 * Which ConfigMaps and Secrets a pod's checksum annotation stands for. The Harbor charts restart a
 * component when its configuration changes by hashing the rendered template of that configuration
 * into its pod template (goharbor/harbor-helm templates/core/core-dpl.yaml, v1.19.1):
 *
 *     checksum/configmap: {{ include (print $.Template.BasePath "/core/core-cm.yaml") . | sha256sum }}
 *
 * Read from the chart's own templates, and matched to objects through the `# Source:` line Helm
 * writes before every rendered document, so a change report names the ConfigMap behind a changed
 * checksum instead of printing two 64-digit hashes.
 */
const CHECKSUM_INCLUDE = /^\s*(checksum\/[\w.-]+)\s*:\s*\{\{-?\s*include\s+\(\s*print\s+\$\.Template\.BasePath\s+"([^"]+)"\s*\)\s+\.\s*\|\s*sha256sum\s*-?\}\}/;

/** Template path inside the chart ("templates/core/core-dpl.yaml") → annotation → the template paths it hashes. */
export type ChecksumSources = Map<string, Map<string, string[]>>;

/** The chart's files by path inside the chart, from a packaged chart or a chart directory. */
export function readChartFiles(chartPath: string): Map<string, string> {
  if (!existsSync(chartPath)) return new Map();
  if (!statSync(chartPath).isDirectory()) return chartFiles(readFileSync(chartPath));
  const files = new Map<string, string>();
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory)) {
      const path = join(directory, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(chartPath, path).split(sep).join('/'), readFileSync(path, 'utf8'));
    }
  };
  walk(chartPath);
  return files;
}

/** Every checksum annotation in the chart's templates (its own, not its subcharts'), with what it hashes. */
export function checksumSources(files: Map<string, string>): ChecksumSources {
  const sources: ChecksumSources = new Map();
  for (const [path, text] of files) {
    if (!path.startsWith('templates/')) continue;
    for (const line of text.split('\n')) {
      const match = CHECKSUM_INCLUDE.exec(line);
      if (!match) continue;
      const annotations = sources.get(path) ?? new Map<string, string[]>();
      const covered = annotations.get(match[1]!) ?? [];
      // An if/else may name two templates for one annotation (internal TLS from auto-tls.yaml or core-tls.yaml): keep both.
      covered.push(`templates/${match[2]!.replace(/^\//, '')}`);
      annotations.set(match[1]!, covered);
      sources.set(path, annotations);
    }
  }
  return sources;
}

/**
 * The template each rendered object came from, by "Kind/name": Helm writes
 * `# Source: <chart>/templates/<file>` before every document of `helm template` and `helm get
 * manifest`. Paths are given inside the chart ("templates/core/core-cm.yaml").
 */
export function manifestSources(manifests: string): Map<string, string> {
  const sources = new Map<string, string>();
  for (const document of manifests.split(/^---\s*$/m)) {
    const source = /^# Source: [^/\n]+\/(.+?)\s*$/m.exec(document)?.[1];
    if (!source) continue;
    loadAll(document, (object) => {
      const typed = object as { kind?: unknown; metadata?: { name?: unknown } } | null;
      if (typed && typeof typed.kind === 'string' && typeof typed.metadata?.name === 'string') sources.set(`${typed.kind}/${typed.metadata.name}`, source);
    });
  }
  return sources;
}
