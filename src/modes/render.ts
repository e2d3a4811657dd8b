import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ActionConfig } from '../inputs/config.js';
import type { InputProblem } from '../inputs/problems.js';
import { log } from '../report/log.js';
import { setOutput } from '../report/outputs.js';
import { enterPhase, PHASE } from '../run/phase.js';
import { code, SummaryBuilder } from '../report/summary.js';
import { buildHarborValues } from '../values/generate.js';
import { manifestsYaml, objectsDeployCreates, redactValues, valuesDigest, valuesYaml } from '../values/render.js';
import { ChartUnavailableError, describeSource, fetchChart } from '../helm/chart-package.js';
import { clusterValueMarker, startLookupStandIn } from '../helm/lookup-stand-in.js';
import { secretPlacements, type SecretPlacement } from '../helm/secret-placements.js';
import { templateChart, type RenderedObject } from '../helm/template.js';
import type { HarborValues } from '../values/generate.js';
import { installHelm, ToolInstallError } from '../tools/install.js';
import { actionWorkDir } from './workdir.js';

export interface RenderResult {
  valuesFile: string;
  valuesDigest: string;
  objectsFile: string;
  manifests?: { file: string; objects: RenderedObject[] };
}

interface RenderedManifests {
  manifestsFile: string;
  objects: RenderedObject[];
  /** Where the chart put values it reads from the action's Secrets with `lookup`: the cluster fills these in. */
  clusterValues: SecretPlacement[];
}

/** Manifests need helm and the chart: both may be out of reach in a preview, the values are not. */
type ManifestsOutcome = { rendered: RenderedManifests } | { skipped: string };

async function renderManifests(config: ActionConfig, harbor: HarborValues, valuesFile: string, directory: string): Promise<ManifestsOutcome> {
  let helm;
  try {
    helm = await installHelm(config.tools.helm);
  } catch (error) {
    if (error instanceof ToolInstallError && error.unreachable) return { skipped: `helm could not be downloaded: ${error.message}` };
    throw error;
  }
  setOutput('helm-path', helm.path);
  setOutput('helm-version', helm.version);
  let chart;
  try {
    chart = await fetchChart(helm.path, config.chart, directory);
  } catch (error) {
    if (error instanceof ChartUnavailableError) return { skipped: error.message };
    throw error;
  }
  // No cluster here: the chart's lookups of the action's Secrets are answered with markers.
  const standIn = await startLookupStandIn(config.namespace, { markers: harbor.secrets.map((s) => ({ name: s.name, keys: Object.keys(s.data) })) }, directory);
  try {
    const { manifestsFile, manifests, objects } = await templateChart({
      helmPath: helm.path,
      release: config.release,
      namespace: config.namespace,
      chartPath: chart.path,
      valuesFiles: [valuesFile],
      outputFile: join(directory, 'manifests.yaml'),
      cluster: { kubeconfig: standIn.kubeconfig, openApi: false },
    });
    const markers = harbor.secrets.flatMap((s) => Object.keys(s.data).map((key) => ({ secret: s.name, key, forms: [clusterValueMarker(s.name, key)] })));
    return { rendered: { manifestsFile, objects, clusterValues: secretPlacements(manifests, markers) } };
  } finally {
    await standIn.close();
  }
}

/**
 * The PR preview: the values helm would get and the objects deploy would create, written to files
 * and shown in the job summary. Needs no cluster and no credentials.
 */
export async function renderMode(config: ActionConfig, warnings: InputProblem[]): Promise<RenderResult> {
  enterPhase(PHASE.render);
  const harbor = buildHarborValues(config);
  const directory = actionWorkDir(config.release);
  // Secrets reach the values only with secrets-in-values; a preview shows them masked.
  const valuesText = valuesYaml(config, redactValues(harbor.values));
  const valuesFile = join(directory, 'values.yaml');
  writeFileSync(valuesFile, valuesText, { mode: 0o600 });
  const digest = valuesDigest(valuesText);
  const objects = objectsDeployCreates(config, harbor);
  const objectsFile = join(directory, 'objects.yaml');
  writeFileSync(objectsFile, manifestsYaml(objects), { mode: 0o600 });
  log.info(`Values for Harbor chart ${config.chart.version}: ${valuesFile} (${digest})`);
  log.info(`Objects deploy creates besides the chart: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ') || 'none'} (${objectsFile})`);
  const manifests = await renderManifests(config, harbor, valuesFile, directory);
  if ('rendered' in manifests) {
    setOutput('manifests-file', manifests.rendered.manifestsFile);
    log.info(`Chart rendered: ${manifests.rendered.objects.length} objects (${manifests.rendered.manifestsFile})`);
  } else {
    log.warning(`Manifests not rendered (the values are): ${manifests.skipped}`, 'helm template');
  }

  setOutput('values-file', valuesFile);
  setOutput('values-digest', digest);
  setOutput('objects-file', objectsFile);

  const summary = new SummaryBuilder()
    .heading(`Harbor ${code(config.release)} in ${code(config.namespace)}: rendered values`)
    .paragraph(
      [
        `Chart ${code(describeSource(config.chart))}`,
        `external URL ${config.externalUrl}`,
        `values digest ${code(digest)}`,
      ].join(' · '),
    );
  if (!harbor.contract.exact) summary.paragraph(`Value paths checked against chart ${harbor.contract.version}, the nearest version this action knows.`);
  if (warnings.length > 0) summary.heading(`Warnings (${warnings.length})`, 3).list(warnings.map((w) => `**${w.input}**: ${w.message}`));
  if (harbor.notes.length > 0) summary.heading('Notes', 3).list(harbor.notes);
  summary
    .heading('Where each value comes from', 3)
    .table(
      ['value', 'set to', 'from'],
      [...harbor.provenance.entries()].map(([path, source]) => [code(path), code(JSON.stringify(valueAt(harbor.values, path)) ?? 'removed'), source]),
    )
    .heading('Objects deploy creates besides the chart', 3)
    .table(
      ['kind', 'name', 'purpose / keys'],
      [
        ...harbor.secrets.map((s) => ['Secret', code(s.name), `${s.purpose}: ${Object.keys(s.data).join(', ')}${s.generated ? ' (generated once, then kept)' : ''}`]),
        ...objects.filter((o) => o.kind !== 'Secret').map((o) => [o.kind, code(o.metadata.name), describeObject(o.kind)]),
      ],
    )
    .codeBlock('yaml', valuesText, 'values.yaml');
  if ('rendered' in manifests && manifests.rendered.clusterValues.length > 0) {
    summary
      .heading('Values the cluster fills in', 3)
      .paragraph(
        `The chart reads these from the Secrets deploy creates (Helm \`lookup\`), so a preview cannot show them: the rendered manifests carry ${code('from-cluster~<Secret>~<key>')} in their place.`,
      )
      .table(
        ['object', 'key', 'filled from'],
        manifests.rendered.clusterValues.map((p) => [`${p.kind} ${code(p.name)}`, code(p.field), `Secret ${code(p.secret)}, key ${code(p.key)}`]),
      );
  }
  if ('rendered' in manifests) {
    summary
      .heading(`Objects the chart renders (${manifests.rendered.objects.length})`, 3)
      .table(
        ['kind', 'name'],
        manifests.rendered.objects.map((o) => [o.kind, code(o.namespace && o.namespace !== config.namespace ? `${o.namespace}/${o.name}` : o.name)]),
      );
  } else {
    summary.heading('Chart manifests', 3).paragraph(`Not rendered: ${manifests.skipped}`);
  }
  await summary.write(directory);
  return {
    valuesFile,
    valuesDigest: digest,
    objectsFile,
    manifests: 'rendered' in manifests ? { file: manifests.rendered.manifestsFile, objects: manifests.rendered.objects } : undefined,
  };
}

function valueAt(values: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), values);
}

function describeObject(kind: string): string {
  switch (kind) {
    case 'PersistentVolume':
      return 'CFS (NFS) volume, ReadWriteMany, Retain';
    case 'PersistentVolumeClaim':
      return 'claim bound to that volume by name';
    case 'VirtualService':
      return 'routes the external host from the Istio gateway to the front Service on port 80';
    default:
      return '';
  }
}
