import { detectDrift } from '../drift/detect.js';
import type { FetchedChart } from '../helm/chart-package.js';
import { inputSecretValues, secretPlacements, type SecretPlacement } from '../helm/secret-placements.js';
import { type Helm, PENDING_STATUSES, type ReleaseStatus, type UpgradedRelease } from '../helm/helm.js';
import type { ActionConfig } from '../inputs/config.js';
import type { InputProblem } from '../inputs/problems.js';
import { cfsObjects, frontServiceFromValues, virtualService } from '../kube/manifests.js';
import { prepareCfsDirectories } from '../kube/cfs.js';
import { ensureSecrets, readManagedSecrets, type SecretsOutcome } from '../kube/cluster-secrets.js';
import type { Diagnosis } from '../kube/diagnose.js';
import type { Kubectl } from '../kube/kubectl.js';
import { thisRun } from '../kube/lock-holder.js';
import { type HeldRelease, type PreviousHold, ReleaseHeldError, ReleaseLock, utc } from '../kube/release-lock.js';
import { clusterPreflight } from '../kube/preflight.js';
import { ReadinessWatch, type ReadinessTimes } from '../kube/readiness.js';
import { expectedWorkloads, releaseSelector, workloadState } from '../kube/workloads.js';
import { formatSeconds, inGroup, log } from '../report/log.js';
import { reportChanges } from '../report/change-report.js';
import { setOutput } from '../report/outputs.js';
import { code, SummaryBuilder } from '../report/summary.js';
import { isCancelled, RunCancelledError, untilCancelled } from '../run/cancel.js';
import { enterPhase, PHASE } from '../run/phase.js';
import { buildHarborValues, type HarborValues } from '../values/generate.js';
import { chartFullname } from '../values/names.js';
import type { Values } from '../values/overrides.js';
import { type ClusterSession, openClusterSession } from './cluster-session.js';
import { smokeTestStep } from './smoke-step.js';
import { checkCosBucket } from './storage-check.js';
import { actionWorkDir } from './workdir.js';

/** A deploy that did not end with Harbor ready: the message says which component and why. */
export class DeployFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeployFailedError';
  }
}

/** The Harbor (and chart) version a deploy moves an existing release from and to. */
interface HarborVersionChange {
  from: string;
  to: string;
  fromChart?: string;
  toChart: string;
}

function harborVersionChange(before: ReleaseStatus | undefined, chart: FetchedChart): HarborVersionChange | undefined {
  if (!before?.appVersion || !chart.appVersion || before.appVersion === chart.appVersion) return undefined;
  return { from: before.appVersion, to: chart.appVersion, fromChart: before.chartVersion, toChart: chart.version };
}

/**
 * Harbor core migrates the database schema when the new version first starts, and an older core
 * cannot run on the migrated schema: a rollback after that needs the database restored. So across
 * a Harbor version change the action never rolls back on its own, and says so up front.
 */
function versionChangeWarning(config: ActionConfig, change: HarborVersionChange, before: ReleaseStatus): string {
  const charts = change.fromChart ? ` (chart ${change.fromChart} → ${change.toChart})` : '';
  const rollback = config.deploy!.rollbackOnFailure
    ? 'If this deploy fails, it is not rolled back automatically (rollback-on-failure applies only within one Harbor version): the failure message says how to roll back.'
    : 'rollback-on-failure is off.';
  return (
    `This deploy upgrades Harbor ${change.from} → ${change.to}${charts}. Harbor core migrates the database on its first start with ${change.to}; ` +
    `after that, going back to revision ${before.revision} (Harbor ${change.from}) needs the database restored from a backup taken before this deploy. ${rollback}`
  );
}

/** How long to let the watch catch up with what helm --wait already saw. */
const WATCH_CATCH_UP_MS = 10_000;

/**
 * Why a pending release is stuck, in the words of the Lease this run took: only a release nobody
 * alive holds gets here (the lock waited for a live holder, or gave up).
 */
function whyStuck(previous: PreviousHold): string {
  switch (previous.kind) {
    case 'expired':
      return (
        `the run that held it, ${previous.holder}${previous.url ? ` (${previous.url})` : ''}, stopped renewing its hold at ${utc(previous.renewTime)}` +
        `${previous.doing ? ` (doing: ${previous.doing})` : ''} and the hold expired: that run was killed or lost its runner while helm worked`
      );
    case 'released':
      return (
        `no run holds it: the last run of this action that held it${previous.by ? `, ${previous.by},` : ''} has ended, and helm did not finish ` +
        '(stopped by a cancel before its rollback completed, or helm was run outside this action)'
      );
    case 'none':
      return 'no run of this action holds it or has held it: it was left by a run of an older version of this action, or by helm run by hand or by another tool, which this action cannot see';
  }
}

async function resolveStuckRelease(helm: Helm, config: ActionConfig, release: ReleaseStatus, previous: PreviousHold, lock: ReleaseLock): Promise<string | undefined> {
  if (!PENDING_STATUSES.includes(release.status)) return undefined;
  const history = await helm.history(config.release, config.namespace);
  const lastGood = [...history].reverse().find((entry) => entry.revision < release.revision && (entry.status === 'deployed' || entry.status === 'superseded'));
  const cause =
    `release ${config.release} is stuck in ${release.status} (revision ${release.revision}): ${whyStuck(previous)}. ` +
    'Any upgrade now fails with "another operation (install/upgrade/rollback) is in progress".';
  if (config.deploy!.stuckRelease === 'fail' || !lastGood) {
    const fix = lastGood
      ? `Re-run with stuck-release: rollback to return to revision ${lastGood.revision} (the last deployed one) and deploy, or run: helm rollback ${config.release} ${lastGood.revision} -n ${config.namespace}.`
      : `No revision was ever deployed, so there is nothing to roll back to: remove it with helm uninstall ${config.release} -n ${config.namespace}, then deploy again.`;
    throw new DeployFailedError(`${cause} ${fix}`);
  }
  lock.assertHeld();
  log.warning(`${cause} Rolling back to revision ${lastGood.revision} (stuck-release: rollback).`, 'stuck release');
  await helm.rollback(config.release, config.namespace, lastGood.revision, config.deploy!.timeoutMs);
  return `Rolled back the stuck revision ${release.revision} (${release.status}) to revision ${lastGood.revision} before deploying: ${whyStuck(previous)}.`;
}

function describeFailure(
  config: ActionConfig,
  diagnosis: Diagnosis | undefined,
  helmMessage: string,
  after: ReleaseStatus | undefined,
  before: ReleaseStatus | undefined,
  versionChange: HarborVersionChange | undefined,
): string {
  const lines = [`Harbor did not become ready within ${formatSeconds(config.deploy!.timeoutMs)} (release ${config.release} in ${config.namespace}).`];
  for (const component of diagnosis?.components ?? []) {
    const pod = component.pods[0];
    lines.push(`- ${component.workload.component}: ${component.progress}${pod ? `; ${pod.unschedulable ?? pod.containers.join('; ')}` : ''}`);
    const event = component.events[component.events.length - 1];
    if (event) lines.push(`  last warning: ${event}`);
  }
  for (const hint of diagnosis?.hints ?? []) lines.push(`Hint: ${hint}`);
  if (!diagnosis || diagnosis.components.length === 0) lines.push(`helm: ${helmMessage}`);
  if (versionChange && config.deploy!.rollbackOnFailure) {
    lines.push(
      `Not rolled back, although rollback-on-failure is true: Harbor ${versionChange.from} → ${versionChange.to} may have migrated the database already (release status: ${after?.status ?? 'unknown'}). ` +
        `If core never started with Harbor ${versionChange.to}, helm rollback ${config.release} ${before?.revision ?? ''} -n ${config.namespace} is safe; otherwise restore the database backup taken before this deploy first, or fix the cause and deploy again.`,
    );
  } else if (config.deploy!.rollbackOnFailure) {
    lines.push(after && before && after.status === 'deployed' ? `The release was rolled back: revision ${after.revision} runs what revision ${before.revision} ran.` : after ? `Release status: ${after.status}.` : 'The failed first install was removed (rollback-on-failure).');
  }
  return lines.join('\n');
}

function addDiagnosis(summary: SummaryBuilder, diagnosis: Diagnosis): void {
  summary.heading('Why Harbor is not ready', 3).table(
    ['component', 'state', 'pods'],
    diagnosis.components.map((c) => [c.workload.component, c.progress, c.pods.map((p) => `${p.name}${p.deleted ? ' (deleted since)' : ''}: ${p.unschedulable ?? p.containers.join('; ')}`).join('<br>') || 'no pods']),
  );
  if (diagnosis.hints.length > 0) summary.heading('Likely causes', 3).list(diagnosis.hints);
  if (diagnosis.pendingClaims.length > 0) summary.paragraph(`Pending volume claims: ${diagnosis.pendingClaims.map(code).join(', ')}`);
  for (const component of diagnosis.components) {
    if (component.events.length > 0) summary.codeBlock('text', component.events.join('\n'), `${component.workload.component}: recent warning events`);
    if (component.logTail) summary.codeBlock('text', component.logTail.lines, `${component.workload.component}: last log lines of ${component.logTail.pod}/${component.logTail.container}`);
  }
}

/** The diagnosis in the job log: one collapsed group per component that is not ready. */
async function logDiagnosis(diagnosis: Diagnosis): Promise<void> {
  for (const component of diagnosis.components) {
    await inGroup(`Why ${component.workload.component} is not ready (${component.workload.kind} ${component.workload.name})`, async () => {
      log.info(`rollout: ${component.progress}`);
      for (const pod of component.pods) log.info(`pod ${pod.name}${pod.deleted ? ' (deleted since)' : ''} [${pod.phase}]: ${pod.unschedulable ?? (pod.containers.join('; ') || 'no container status yet')}`);
      if (component.pods.length === 0) log.info('no pods');
      for (const event of component.events) log.info(`warning event: ${event}`);
      if (component.logTail) log.info(`last log lines of ${component.logTail.pod}/${component.logTail.container}:\n${component.logTail.lines}`);
      for (const hint of component.hints) log.info(`hint: ${hint}`);
    });
  }
  if (diagnosis.pendingClaims.length > 0) log.info(`Pending volume claims: ${diagnosis.pendingClaims.join(', ')}`);
}

export async function deployMode(config: ActionConfig, warnings: InputProblem[]): Promise<void> {
  const deploy = config.deploy!;
  const harbor = buildHarborValues(config);
  const directory = actionWorkDir(config.release);

  // The bucket first: a wrong key or region fails here in seconds, before the cluster is touched.
  const storage = config.storage;
  const cosCheck = storage.type === 'cos' && config.storagePreflight ? await checkCosBucket(storage) : undefined;

  const session = await openClusterSession(config, harbor, directory);
  const { helm, kubectl } = session;
  const lock = new ReleaseLock(kubectl, { release: config.release, namespace: config.namespace, leaseSeconds: deploy.lockLeaseSeconds, waitMs: deploy.lockWaitMs }, thisRun());
  // Reads that need nothing but the cluster, side by side with the preflight: its errors come first.
  // The Lease before the release and its Secrets: when it is taken unchanged, nobody held the
  // release since, and these reads stand.
  const lockSeen = lock.observe();
  const releaseRead = lockSeen.then(() => helm.status(config.release, config.namespace)).then((status) => ({ status }), (error: unknown) => ({ error }));
  const secretsRead = lockSeen.then(() => readManagedSecrets(kubectl, config.namespace, harbor.secrets));
  secretsRead.catch(() => undefined);
  const { namespaceExists } = await clusterPreflight(kubectl, config);
  const hold = await holdRelease(lock, kubectl, config, namespaceExists);
  try {
    // Taken after another run held it: what that run did is read again.
    const fresh = hold.unchangedSinceObserved;
    const released = fresh ? await releaseRead : await helm.status(config.release, config.namespace).then((status) => ({ status }));
    if ('error' in released) throw released.error;
    const secrets = fresh ? secretsRead : readManagedSecrets(kubectl, config.namespace, harbor.secrets);
    secrets.catch(() => undefined);
    await deployHolding(config, warnings, { harbor, directory, cosCheck, session, lock, hold, namespaceExists, secretsRead: secrets, before: released.status });
    const lost = lock.lost();
    if (lost) throw new DeployFailedError(`${lost} The deploy itself ended, but the other run may change the release again: check its run.`);
  } finally {
    await lock.release();
  }
}

/**
 * Takes the release's Lease (waiting for a live holder up to lock-wait). The Lease lives in the
 * release's namespace, so a new namespace is made first: the one write before the hold, and
 * harmless if two runs make it (server-side apply).
 */
async function holdRelease(lock: ReleaseLock, kubectl: Kubectl, config: ActionConfig, namespaceExists: boolean): Promise<HeldRelease> {
  if (!namespaceExists) await kubectl.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: config.namespace } }]);
  try {
    return await lock.acquire();
  } catch (error) {
    if (error instanceof ReleaseHeldError) setOutput('lock-holder', error.url ? `${error.holder} ${error.url}` : error.holder);
    throw error;
  }
}

/** What deploy has read and holds once the release is its own. */
interface Holding {
  harbor: HarborValues;
  directory: string;
  cosCheck: Awaited<ReturnType<typeof checkCosBucket>> | undefined;
  session: ClusterSession;
  lock: ReleaseLock;
  hold: HeldRelease;
  namespaceExists: boolean;
  secretsRead: ReturnType<typeof readManagedSecrets>;
  before: ReleaseStatus | undefined;
}

async function deployHolding(config: ActionConfig, warnings: InputProblem[], holding: Holding): Promise<void> {
  const deploy = config.deploy!;
  const { harbor, directory, cosCheck, session, lock, hold, namespaceExists, secretsRead, before } = holding;
  const { helm, kubectl, helmTool, chart, valuesFile, digest } = session;
  const stuckNote = before ? await resolveStuckRelease(helm, config, before, hold.previous, lock) : undefined;
  const versionChange = harborVersionChange(before, chart);
  if (versionChange) log.warning(versionChangeWarning(config, versionChange, before!), 'Harbor version change');
  const rollbackOnFailure = deploy.rollbackOnFailure && !versionChange;

  // A deployed release that matches the inputs, with every component ready, needs no upgrade.
  const checkSync = before !== undefined && before.status === 'deployed' && !deploy.forceUpgrade;
  const [drift, ready] = checkSync ? await Promise.all([detectDrift(config, harbor, session, directory, { release: before, secrets: secretsRead }), allWorkloadsReady(kubectl, config, harbor.values)]) : [undefined, false];
  if (drift && !drift.drifted && ready) {
    await reportInSync(config, helm, harbor, before!, digest, helmTool.version, warnings, directory, kubectl, cosCheck?.listLagMs);
    return;
  }

  enterPhase(PHASE.objects);
  const registryUsername = String((harbor.values.registry as { credentials?: { username?: string } } | undefined)?.credentials?.username ?? 'harbor_registry_user');
  let secrets: SecretsOutcome | undefined;
  const applied: string[] = [];
  await inGroup('Namespace, Secrets, volumes and routes', async () => {
    // Made before the hold (holdRelease): its Lease lives in it.
    if (!namespaceExists) applied.push(`Namespace ${config.namespace}`);
    secrets = await ensureSecrets(kubectl, config.namespace, harbor.secrets, registryUsername, await secretsRead);
    const volumes = cfsObjects(config);
    if (volumes.length > 0) {
      await kubectl.apply(volumes);
      applied.push(...volumes.map((o) => `${o.kind} ${o.metadata.name}`));
      if (deploy.cfsPrepare) await prepareCfsDirectories(kubectl, config);
    }
    const routes = virtualService(config, harbor.values);
    if (routes.length > 0) {
      await kubectl.apply(routes);
      applied.push(...routes.map((o) => `${o.kind} ${o.metadata.name}`));
    }
  });

  enterPhase(PHASE.helmUpgrade);
  lock.assertHeld();
  const watch = new ReadinessWatch(kubectl, config.namespace, config.release, expectedWorkloads(config, harbor.values));
  await watch.start();
  const upgradeStarted = performance.now();
  let upgradeError: Error | undefined;
  let upgraded: UpgradedRelease | undefined;
  try {
    upgraded = await helm.upgrade({
      release: config.release,
      namespace: config.namespace,
      chartPath: chart.path,
      valuesFile,
      timeoutMs: deploy.timeoutMs,
      historyMax: deploy.historyMax,
      rollbackOnFailure,
    });
  } catch (error) {
    upgradeError = error instanceof Error ? error : new Error(String(error));
  }
  const helmSeconds = performance.now() - upgradeStarted;
  // Cancelled: helm has marked the release failed and rolled back; the stopped-run summary says so.
  if (upgradeError instanceof RunCancelledError) {
    await watch.stop();
    throw upgradeError;
  }
  if (!upgradeError) enterPhase(PHASE.afterHelm, { evenIfCancelled: true });
  let diagnosis: Diagnosis | undefined;
  let times: ReadinessTimes;
  if (upgradeError) {
    // What the watch saw while helm waited; helm's rollback has since changed the workloads.
    await watch.stop();
    times = watch.times();
    diagnosis = await watch.failureDiagnosis();
    await logDiagnosis(diagnosis);
  } else {
    watch.markHelmApplied();
    try {
      let catchUp: NodeJS.Timeout | undefined;
      await Promise.race([watch.allReady, new Promise((resolve) => (catchUp = setTimeout(resolve, WATCH_CATCH_UP_MS))), untilCancelled()]);
      clearTimeout(catchUp);
      times = watch.times();
    } finally {
      await watch.stop();
    }
  }

  // The release as it stands, and where the chart copied secrets: read side by side.
  const after = upgraded?.status ?? (await helm.status(config.release, config.namespace));
  const copies = upgraded ? secretPlacements(upgraded.manifest, inputSecretValues(harbor.secrets)) : [];
  const front = `${config.namespace}/${frontServiceFromValues(harbor.values, config.expose.type)}:80`;
  setOutput('in-sync', 'false');
  if (after) {
    setOutput('revision', after.revision);
    setOutput('status', after.status);
    setOutput('chart-version', after.chartVersion ?? '');
    setOutput('app-version', after.appVersion ?? '');
  }
  if (config.expose.type !== 'ingress' && config.expose.type !== 'route') setOutput('front-service', front);

  const summary = new SummaryBuilder().heading(
    upgradeError ? `Harbor ${code(config.release)} in ${code(config.namespace)}: deploy failed` : `Harbor ${code(config.release)} in ${code(config.namespace)}: deployed, revision ${after?.revision ?? '?'}`,
  );
  summary.paragraph(
    [`Chart ${code(`${config.chart.reference}@${config.chart.version}`)}`, after?.appVersion ? `Harbor ${after.appVersion}` : '', `helm ${helmTool.version}`, `values digest ${code(digest)}`]
      .filter(Boolean)
      .join(' · '),
  );
  if (drift?.drifted) reportChanges(summary, drift, { heading: 'What this deploy changed', directory });
  else if (deploy.forceUpgrade && before) summary.paragraph('force-upgrade: upgraded without checking for drift.');
  if (versionChange) {
    summary.heading(`Harbor ${versionChange.from} → ${versionChange.to}`, 3).paragraph(versionChangeWarning(config, versionChange, before!));
  }
  if (warnings.length > 0) summary.heading(`Warnings (${warnings.length})`, 3).list(warnings.map((w) => `**${w.input}**: ${w.message}`));
  if (hold.note) summary.paragraph(hold.note);
  if (stuckNote) summary.paragraph(stuckNote);
  summary.heading('Components', 3).table(
    ['component', 'ready'],
    expectedWorkloads(config, harbor.values).map((w) => [
      w.component,
      times.unchanged.includes(w.component) ? 'unchanged' : times.ready.has(w.component) ? `after ${formatSeconds(times.ready.get(w.component)!)}` : 'not ready',
    ]),
  );
  summary.heading('Changes', 3).list([
    before ? `Release revision ${before.revision} → ${after?.revision ?? 'none'} (${after?.status ?? 'removed'}), helm took ${formatSeconds(helmSeconds)}` : `Release installed: revision ${after?.revision ?? 'none'} (${after?.status ?? 'removed'})`,
    `Secrets: ${secrets!.created.length} created, ${secrets!.updated.length} updated from inputs, ${secrets!.unchanged.length} kept`,
    ...applied.map((object) => `Applied ${object}`),
  ]);
  if (!upgradeError) {
    summary.heading('Where Harbor answers', 3).list([`${config.externalUrl} (external URL)`, ...(config.expose.type === 'ingress' || config.expose.type === 'route' ? [] : [`Service ${code(front)} inside the cluster`])]);
  }
  if (diagnosis) addDiagnosis(summary, diagnosis);
  if (cosCheck) summary.paragraph(`COS preflight passed: list-after-write lag ${cosCheck.listLagMs} ms.`);

  if (upgradeError) {
    await summary.write(directory);
    throw new DeployFailedError(describeFailure(config, diagnosis, upgradeError.message, after, before, versionChange));
  }
  log.info(`Harbor ${chartFullname(config.release)} is ready: revision ${after?.revision}, ${config.externalUrl}`);

  addSecretCopies(summary, config, copies);
  await smokeTestIntoSummary(config, summary, directory, kubectl, cosCheck?.listLagMs);
  await summary.write(directory);
}

/**
 * Which of the Secrets' values the chart wrote into other objects (1.13+ copy the Redis password
 * from its Secret into ConfigMaps): read from the release as installed, named in the summary.
 */
async function secretCopies(helm: Helm, config: ActionConfig, harbor: HarborValues): Promise<SecretPlacement[]> {
  const values = inputSecretValues(harbor.secrets);
  if (values.length === 0) return [];
  const { stdout } = await helm.run(['get', 'manifest', config.release, '--namespace', config.namespace], { rawStdout: true });
  return secretPlacements(stdout, values);
}

function addSecretCopies(summary: SummaryBuilder, config: ActionConfig, copies: SecretPlacement[]): void {
  if (copies.length === 0) return;
  const kinds = [...new Set(copies.map((c) => `${c.kind}s`))].join(' and ');
  summary
    .heading('Secret values the chart copies', 3)
    .paragraph(`Chart ${config.chart.version} reads these from their Secrets and writes them into ${kinds}: whoever may read ${kinds} in ${code(config.namespace)} may read them. Reports never show them.`)
    .table(
      ['object', 'key', 'holds the value of'],
      copies.map((c) => [`${c.kind} ${code(c.name)}`, code(c.field), `Secret ${code(c.secret)}, key ${code(c.key)}`]),
    );
}

/** The smoke test after a deploy, with its outcome in the summary (written also when it fails). */
async function smokeTestIntoSummary(config: ActionConfig, summary: SummaryBuilder, directory: string, kubectl: Kubectl, listLagMs?: number): Promise<void> {
  if (!config.smoke.enabled) return;
  const registryDeployment = `deployment/${chartFullname(config.release)}-registry`;
  try {
    const result = await smokeTestStep(config.smoke, directory, {
      listLagMs,
      readRegistryLog: async () => (await kubectl.run(['logs', registryDeployment, '-c', 'registry', '-n', config.namespace, '--tail=300'], { quietStdout: true })).stdout,
    });
    summary
      .heading('Smoke test', 3)
      .paragraph(`Pushed and read back ${code(`${config.smoke.repository}@${result.digest}`)} at ${config.smoke.registryUrl} in ${result.seconds.toFixed(1)} s, ${result.attempts} attempts${result.cleanedUp ? '; removed again' : ''}.`);
  } catch (error) {
    if (isCancelled()) throw error;
    summary.heading('Smoke test', 3).paragraph(`Failed: ${error instanceof Error ? error.message : String(error)}`);
    await summary.write(directory);
    throw error;
  }
}

async function allWorkloadsReady(kubectl: Kubectl, config: ActionConfig, values: Values): Promise<boolean> {
  const expected = expectedWorkloads(config, values);
  const kinds = [...new Set(expected.map((w) => (w.kind === 'Deployment' ? 'deployments.apps' : 'statefulsets.apps')))];
  const live = (await Promise.all(kinds.map((kind) => kubectl.list(kind, config.namespace, releaseSelector(config.release))))).flat();
  const notReady = expected.filter((w) => {
    const object = live.find((o) => o.kind === w.kind && o.metadata.name === w.name);
    return !object || !workloadState(object).ready;
  });
  if (notReady.length > 0) log.info(`Not every component is ready (${notReady.map((w) => w.component).join(', ')}): an upgrade recovers them even without drift`);
  return notReady.length === 0;
}

/** No drift, every component ready: no upgrade, no new revision, no restart. */
async function reportInSync(
  config: ActionConfig,
  helm: Helm,
  harbor: HarborValues,
  release: ReleaseStatus,
  digest: string,
  helmVersion: string,
  warnings: InputProblem[],
  directory: string,
  kubectl: Kubectl,
  listLagMs?: number,
): Promise<void> {
  log.info(`In sync: release ${config.release} revision ${release.revision} matches the inputs and every component is ready; no upgrade`);
  setOutput('revision', release.revision);
  setOutput('status', release.status);
  setOutput('chart-version', release.chartVersion ?? '');
  setOutput('app-version', release.appVersion ?? '');
  setOutput('in-sync', 'true');
  if (config.expose.type !== 'ingress' && config.expose.type !== 'route') setOutput('front-service', `${config.namespace}/${frontServiceFromValues(harbor.values, config.expose.type)}:80`);
  const summary = new SummaryBuilder()
    .heading(`Harbor ${code(config.release)} in ${code(config.namespace)}: in sync, revision ${release.revision}`)
    .paragraph([`Chart ${code(`${config.chart.reference}@${config.chart.version}`)}`, release.appVersion ? `Harbor ${release.appVersion}` : '', `helm ${helmVersion}`, `values digest ${code(digest)}`].filter(Boolean).join(' · '))
    .paragraph('The release, its values and the live objects match the inputs and every component is ready: nothing was upgraded or restarted. `force-upgrade: true` upgrades anyway.');
  if (warnings.length > 0) summary.heading(`Warnings (${warnings.length})`, 3).list(warnings.map((w) => `**${w.input}**: ${w.message}`));
  addSecretCopies(summary, config, await secretCopies(helm, config, harbor));
  await smokeTestIntoSummary(config, summary, directory, kubectl, listLagMs);
  await summary.write(directory);
}
