import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { compareChartVersions, isSupportedChartVersion, NEWEST_KNOWN_CHART, OLDEST_SUPPORTED_CHART, parseChartVersion } from '../values/chart-version.js';
import { redisCredentialHandling, survivesUnescaped } from '../values/chart-redis.js';
import { contractFor, isReadByChart, leafPaths } from '../values/contract.js';
import { dottedPath, OverrideSyntaxError, parseSetLines, parseValuesYaml, setAssignmentsToValues } from '../values/overrides.js';
import { checkTencentCloudApiEndpoint, checkTkeClusterId, checkTkeRegion, type TkeKubeconfigRequest } from '../tke/kubeconfig.js';
import { checkToolVersionSpec } from '../tools/versions.js';
import type {
  ActionConfig,
  ChartSource,
  CosStorage,
  DeploySettings,
  ExposeType,
  ExternalRedis,
  Mode,
  RedisComponent,
  SmokeSettings,
  SslMode,
  StandaloneConfig,
  StandaloneMode,
  ValuesOverride,
} from './config.js';
import { validateKubeconfig } from './kubeconfig.js';
import {
  bucketHasAppId,
  classifyEndpointHost,
  closestKnownRegion,
  defaultCosEndpoint,
  isCosKind,
  isKnownRegion,
  isWellFormedBucket,
  isWellFormedRegion,
} from './cos.js';
import { InputProblems } from './problems.js';
import type { RawInputs } from './read.js';

export interface ValidationContext {
  /** Where relative paths (values-files, a local chart) are resolved: GITHUB_WORKSPACE on a runner. */
  workspace: string;
  /** The process environment (KUBECONFIG). */
  env?: NodeJS.ProcessEnv;
}

export interface ValidationResult {
  config?: ActionConfig;
  /** For mode smoke and mode preflight, which need only part of the inputs. */
  standalone?: StandaloneConfig;
  problems: InputProblems;
}

const MODES: readonly (Mode | StandaloneMode)[] = ['deploy', 'render', 'diff', 'smoke', 'preflight'];
const EXPOSE_TYPES: readonly ExposeType[] = ['clusterIP', 'ingress', 'loadBalancer', 'nodePort', 'route'];
const SSL_MODES: readonly SslMode[] = ['disable', 'require', 'verify-ca', 'verify-full'];
const REDIS_COMPONENTS: Record<string, { component: RedisComponent; chartPath: string }> = {
  core: { component: 'core', chartPath: 'redis.external.coreDatabaseIndex' },
  jobservice: { component: 'jobservice', chartPath: 'redis.external.jobserviceDatabaseIndex' },
  registry: { component: 'registry', chartPath: 'redis.external.registryDatabaseIndex' },
  trivy: { component: 'trivy', chartPath: 'redis.external.trivyAdapterIndex' },
  harbor: { component: 'harbor', chartPath: 'redis.external.harborDatabaseIndex' },
  'cache-layer': { component: 'cacheLayer', chartPath: 'redis.external.cacheLayerDatabaseIndex' },
};
/** The chart's defaults, which share Redis with whatever the user picks. */
const DEFAULT_REDIS_INDEXES: Partial<Record<RedisComponent, number>> = { core: 0, jobservice: 1, registry: 2, trivy: 5 };

const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;
const QUANTITY = /^\d+(?:\.\d+)?(?:Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;

/**
 * Turns raw inputs into an ActionConfig, or collects every problem: each names its input and the
 * fix, and all of them are reported together before anything touches a cluster.
 */
export function validateInputs(raw: RawInputs, context: ValidationContext): ValidationResult {
  const problems = new InputProblems();
  const chosen = oneOf(problems, 'mode', raw.mode, MODES);
  if (chosen === 'smoke') return validateSmokeMode(problems, raw);
  if (chosen === 'preflight') return validatePreflightMode(problems, raw);
  const mode: Mode | undefined = chosen;
  const needsSecrets = mode === 'deploy' || mode === 'diff';

  const release = raw.release;
  if (!DNS_SUBDOMAIN.test(release) || release.length > 53) {
    problems.error('release', `"${release}" is not a valid Helm release name: use at most 53 lowercase letters, digits and "-" (e.g. harbor)`);
  }
  const namespace = raw.namespace;
  if (!DNS_LABEL.test(namespace) || namespace.length > 63) {
    problems.error('namespace', `"${namespace}" is not a valid namespace name: use at most 63 lowercase letters, digits and "-" (e.g. harbor)`);
  }

  const chart = validateChart(problems, raw, context);
  const contract = chart ? contractFor(chart.version) : undefined;
  const external = validateExternalUrl(problems, raw['external-url']);
  const expose = validateExpose(problems, raw, chart?.version);
  if (external && expose && external.protocol === 'http:' && expose.tls) {
    problems.warn('tls', 'tls is true but external-url is http://: Harbor will redirect clients to https');
  }

  const storageType = oneOf(problems, 'storage', raw.storage, ['cos', 'filesystem'] as const);
  const storage =
    storageType === 'cos' ? validateCos(problems, raw, needsSecrets) : storageType === 'filesystem' ? validateFilesystem(problems, raw) : undefined;
  const jobserviceClaim = optionalName(problems, 'jobservice-pvc', raw['jobservice-pvc']);
  const cfs = validateCfs(problems, raw, storageType);

  const database = validateDatabase(problems, raw, needsSecrets);
  const redis = validateRedis(problems, raw, contract);

  const trivy = bool(problems, 'trivy', raw.trivy);
  const metrics = bool(problems, 'metrics', raw.metrics);
  const replicas = integer(problems, 'replicas', raw.replicas, 1, 100);
  const secretsInValues = bool(problems, 'secrets-in-values', raw['secrets-in-values']);
  const adminPassword = raw['admin-password'] || undefined;
  if (needsSecrets && !adminPassword) {
    problems.error('admin-password', 'required to deploy: pass it from a secret, e.g. admin-password: ${{ secrets.HARBOR_ADMIN_PASSWORD }}');
  } else if (adminPassword && !isStrongHarborPassword(adminPassword)) {
    problems.warn('admin-password', 'weaker than Harbor\'s password policy (8-128 characters with an upper-case letter, a lower-case letter and a digit): Harbor will refuse it when the password is next changed');
  }
  if (replicas !== undefined && replicas > 1 && storageType === 'filesystem' && !cfs && !raw['registry-pvc']) {
    problems.warn('replicas', 'more than one registry replica on a chart-created ReadWriteOnce volume will not schedule: use cfs-server or a ReadWriteMany registry-pvc');
  }

  if (redis?.type === 'external' && chart && secretsInValues === false) checkRedisCredentialsForChart(problems, redis, chart.version);

  const overrides = validateOverrides(problems, raw, context, contract);
  const tools = validateTools(problems, raw);
  const deploy = needsSecrets ? validateDeploy(problems, raw, context.env ?? process.env) : undefined;
  // In deploy the smoke test's password defaults to admin-password, which deploy already requires.
  const smoke = validateSmoke(problems, raw, external, false);
  const storagePreflight = bool(problems, 'storage-preflight', raw['storage-preflight']);

  const complete =
    problems.errors.length === 0 &&
    mode &&
    chart &&
    external &&
    expose &&
    storage &&
    database &&
    redis &&
    trivy !== undefined &&
    metrics !== undefined &&
    replicas !== undefined &&
    secretsInValues !== undefined &&
    overrides &&
    tools &&
    smoke &&
    storagePreflight !== undefined &&
    (deploy || !needsSecrets);
  if (!complete) return { problems };
  return {
    problems,
    config: {
      mode,
      release,
      namespace,
      chart,
      externalUrl: external.origin,
      externalHost: external.hostname,
      expose,
      storage,
      jobserviceClaim,
      cfs,
      database,
      redis,
      harbor: { adminPassword, trivy, metrics, replicas },
      overrides,
      secretsInValues,
      tools,
      deploy,
      smoke,
      storagePreflight,
    },
  };
}

/** The smoke test's settings; its password is checked only where it will run. */
function validateSmoke(problems: InputProblems, raw: RawInputs, external: URL | undefined, willRun: boolean): SmokeSettings | undefined {
  const enabled = bool(problems, 'smoke-test', raw['smoke-test']);
  const client = oneOf(problems, 'smoke-test-client', raw['smoke-test-client'], ['native', 'docker'] as const);
  const keep = bool(problems, 'smoke-test-keep', raw['smoke-test-keep']);
  const repository = raw['smoke-test-repository'];
  let ok = enabled !== undefined && client !== undefined && keep !== undefined;
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)+$/.test(repository)) {
    problems.error('smoke-test-repository', `"${repository}" is not a repository as project/name in lowercase, e.g. library/harbor-smoke`);
    ok = false;
  }
  const timeoutMs = parseDuration(raw['smoke-test-timeout']);
  if (timeoutMs === undefined || timeoutMs < 1000) {
    problems.error('smoke-test-timeout', `"${raw['smoke-test-timeout']}" is not a duration of a second or more, e.g. 3m`);
    ok = false;
  }
  let registry: URL | undefined = external;
  if (raw['registry-url']) {
    try {
      registry = new URL(raw['registry-url']);
      if (!['http:', 'https:'].includes(registry.protocol) || registry.pathname !== '/') throw new Error('not a base URL');
    } catch {
      problems.error('registry-url', `"${raw['registry-url']}" must be an http(s) URL with no path, e.g. https://registry.example.com`);
      ok = false;
    }
  }
  const password = raw['smoke-test-password'] || raw['admin-password'] || undefined;
  if (willRun && enabled && !password) {
    problems.error('smoke-test-password', 'the smoke test needs the password of smoke-test-username: set smoke-test-password or admin-password (or smoke-test: false)');
    ok = false;
  }
  if (!ok || !registry || enabled === undefined || !client || keep === undefined || timeoutMs === undefined) return undefined;
  return {
    enabled,
    client,
    repository,
    timeoutMs,
    timeoutIsDefault: raw['smoke-test-timeout'] === '3m',
    username: raw['smoke-test-username'],
    password,
    passwordInput: raw['smoke-test-password'] ? 'smoke-test-password' : 'admin-password',
    registryUrl: registry.origin,
    externalUrl: external?.origin,
    keep,
  };
}

/** mode: smoke needs only where Harbor is and how to log in: no chart, storage or cluster inputs. */
function validateSmokeMode(problems: InputProblems, raw: RawInputs): ValidationResult {
  let external: URL | undefined;
  if (raw['registry-url'] === '') external = validateExternalUrl(problems, raw['external-url']);
  else if (raw['external-url']) {
    try {
      external = new URL(raw['external-url']);
    } catch {
      problems.error('external-url', `"${raw['external-url']}" is not a URL`);
    }
  }
  const smoke = validateSmoke(problems, raw, external, true);
  if (problems.errors.length > 0 || !smoke) return { problems };
  return { problems, standalone: { mode: 'smoke', smoke: { ...smoke, enabled: true } } };
}

/** mode: preflight needs only the COS inputs and keys. */
function validatePreflightMode(problems: InputProblems, raw: RawInputs): ValidationResult {
  if (raw.storage !== 'cos') problems.error('storage', 'mode: preflight checks a COS bucket: it needs storage: cos');
  const cos = validateCos(problems, raw, true);
  if (problems.errors.length > 0 || !cos) return { problems };
  return { problems, standalone: { mode: 'preflight', cos } };
}

function validateTools(problems: InputProblems, raw: RawInputs): ActionConfig['tools'] | undefined {
  let ok = true;
  const choice = (tool: 'helm' | 'kubectl') => {
    const version = raw[`${tool}-version`];
    const versionProblem = checkToolVersionSpec(version, `${tool}-version`);
    if (versionProblem) {
      problems.error(`${tool}-version`, versionProblem.replace(new RegExp(`^${tool}-version `), ''));
      ok = false;
    }
    const mirror = raw[`${tool}-mirror`].replace(/\/+$/, '');
    if (!/^https?:\/\/[^\s/]+/.test(mirror)) {
      problems.error(`${tool}-mirror`, `"${mirror}" is not an http(s) URL`);
      ok = false;
    }
    const sha256 = raw[`${tool}-sha256`].toLowerCase() || undefined;
    if (sha256 && !/^[0-9a-f]{64}$/.test(sha256)) {
      problems.error(`${tool}-sha256`, 'must be 64 hexadecimal characters (the SHA-256 of the download)');
      ok = false;
    }
    return { version, mirror, sha256 };
  };
  const helm = choice('helm');
  const kubectl = choice('kubectl');
  return ok ? { helm, kubectl } : undefined;
}

/**
 * The environment variable that sets leaseDurationSeconds of a deploy's hold on its release. The
 * default, a minute renewed every 20 s, lets a killed run's hold end within a minute while a live
 * one survives two missed renewals; tests shorten it.
 */
export const LEASE_SECONDS_VARIABLE = 'HARBOR_TKE_ACTION_LEASE_SECONDS';
const DEFAULT_LEASE_SECONDS = 60;

/** "10m", "90s", "1h30m", "2m30s". */
export function parseDuration(text: string): number | undefined {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!match || text.trim() === '' || !match.slice(1).some(Boolean)) return undefined;
  const [, hours, minutes, seconds] = match.map((part) => Number(part ?? 0));
  return ((hours! * 60 + minutes!) * 60 + seconds!) * 1000;
}

/** A kubeconfig from TKE's API, when the workflow gives none (no kubeconfig input, no KUBECONFIG). */
function validateTke(problems: InputProblems, raw: RawInputs): TkeKubeconfigRequest | undefined {
  let ok = true;
  const check = (input: string, message: string | undefined) => {
    if (message) {
      problems.error(input, message);
      ok = false;
    }
  };
  check('tke-cluster-id', checkTkeClusterId(raw['tke-cluster-id']));
  const region = raw['tke-region'] || raw['cos-region'];
  check('tke-region', region ? checkTkeRegion(region) : 'required with tke-cluster-id (or cos-region, its default)');
  const secretId = raw['tencentcloud-secret-id'] || raw['cos-secret-id'];
  const secretKey = raw['tencentcloud-secret-key'] || raw['cos-secret-key'];
  if (!secretId || !secretKey) check('tencentcloud-secret-id', 'TKE\'s API needs tencentcloud-secret-id and tencentcloud-secret-key (or the COS keys, their default)');
  const endpointAccess = oneOf(problems, 'tke-endpoint-access', raw['tke-endpoint-access'], ['internet', 'intranet'] as const);
  if (raw['tencentcloud-api-endpoint']) check('tencentcloud-api-endpoint', checkTencentCloudApiEndpoint(raw['tencentcloud-api-endpoint']));
  if (!ok || !endpointAccess || !secretId || !secretKey) return undefined;
  return { clusterId: raw['tke-cluster-id'], region, secretId, secretKey, endpointAccess, apiEndpoint: raw['tencentcloud-api-endpoint'] || undefined };
}

function validateDeploy(problems: InputProblems, raw: RawInputs, env: NodeJS.ProcessEnv): DeploySettings | undefined {
  const fromTke = !raw.kubeconfig && !env.KUBECONFIG && raw['tke-cluster-id'] !== '';
  const tke = fromTke ? validateTke(problems, raw) : undefined;
  const kubeconfig = fromTke ? (tke ? {} : undefined) : validateKubeconfig(problems, raw.kubeconfig, raw['kube-context'], env);
  const timeoutMs = parseDuration(raw.timeout);
  if (timeoutMs === undefined || timeoutMs < 1000) problems.error('timeout', `"${raw.timeout}" is not a duration of a second or more, e.g. 10m, 90s or 1h`);
  const rollbackOnFailure = bool(problems, 'rollback-on-failure', raw['rollback-on-failure']);
  const stuckRelease = oneOf(problems, 'stuck-release', raw['stuck-release'], ['fail', 'rollback'] as const);
  const lockWaitMs = /^0+$/.test(raw['lock-wait'].trim()) ? 0 : parseDuration(raw['lock-wait']);
  if (lockWaitMs === undefined) problems.error('lock-wait', `"${raw['lock-wait']}" is not a duration, e.g. 5m, 90s or 0 (do not wait)`);
  const lockLeaseSeconds = env[LEASE_SECONDS_VARIABLE] ? integer(problems, `${LEASE_SECONDS_VARIABLE} (environment variable)`, env[LEASE_SECONDS_VARIABLE]!, 3, 3600) : DEFAULT_LEASE_SECONDS;
  const historyMax = integer(problems, 'history-max', raw['history-max'], 0, 1000);
  const forceUpgrade = bool(problems, 'force-upgrade', raw['force-upgrade']);
  const failOnDrift = bool(problems, 'fail-on-drift', raw['fail-on-drift']);
  const cfsPrepare = bool(problems, 'cfs-prepare', raw['cfs-prepare']);
  if (!raw['cfs-prepare-image']) problems.error('cfs-prepare-image', 'must name an image with sh, mkdir and chown, e.g. busybox:1.36');
  if (
    !kubeconfig ||
    timeoutMs === undefined ||
    rollbackOnFailure === undefined ||
    !stuckRelease ||
    lockWaitMs === undefined ||
    lockLeaseSeconds === undefined ||
    historyMax === undefined ||
    forceUpgrade === undefined ||
    failOnDrift === undefined ||
    cfsPrepare === undefined
  ) {
    return undefined;
  }
  return {
    kubeconfigContent: kubeconfig.content,
    kubeconfigFiles: kubeconfig.files,
    tke,
    kubeContext: raw['kube-context'] || undefined,
    timeoutMs,
    rollbackOnFailure,
    stuckRelease,
    lockWaitMs,
    lockLeaseSeconds,
    historyMax,
    forceUpgrade,
    failOnDrift,
    cfsPrepare,
    cfsPrepareImage: raw['cfs-prepare-image'],
  };
}

function oneOf<T extends string>(problems: InputProblems, input: string, value: string, allowed: readonly T[]): T | undefined {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  const caseless = allowed.find((option) => option.toLowerCase() === value.toLowerCase());
  problems.error(input, `"${value}" is not one of ${allowed.join(' | ')}${caseless ? ` (did you mean ${caseless}?)` : ''}`);
  return undefined;
}

function bool(problems: InputProblems, input: string, value: string): boolean | undefined {
  if (/^(true|True|TRUE)$/.test(value)) return true;
  if (/^(false|False|FALSE)$/.test(value)) return false;
  problems.error(input, `"${value}" is not a boolean: use true or false`);
  return undefined;
}

function integer(problems: InputProblems, input: string, value: string, min: number, max: number): number | undefined {
  const number = /^\d+$/.test(value) ? Number(value) : NaN;
  if (Number.isInteger(number) && number >= min && number <= max) return number;
  problems.error(input, `"${value}" is not a whole number from ${min} to ${max}`);
  return undefined;
}

function optionalName(problems: InputProblems, input: string, value: string): string | undefined {
  if (!value) return undefined;
  if (DNS_SUBDOMAIN.test(value) && value.length <= 253) return value;
  problems.error(input, `"${value}" is not a valid Kubernetes object name (lowercase letters, digits, "-" and ".")`);
  return undefined;
}

function isStrongHarborPassword(password: string): boolean {
  return password.length >= 8 && password.length <= 128 && /[A-Z]/.test(password) && /[a-z]/.test(password) && /\d/.test(password);
}

function validateChart(problems: InputProblems, raw: RawInputs, context: ValidationContext): ChartSource | undefined {
  const reference = raw.chart;
  let kind: ChartSource['kind'];
  let version = raw['chart-version'];
  let repository: string | undefined;
  if (reference.startsWith('oci://')) {
    kind = 'oci';
    if (!/^oci:\/\/[^/\s]+\/\S+$/.test(reference)) problems.error('chart', `"${reference}" is not an OCI chart reference: use oci://<registry>/<path>/harbor`);
  } else if (/^(\.|\/|~)/.test(reference) || reference.includes('/')) {
    kind = 'local';
    const directory = resolve(context.workspace, reference);
    const chartFile = join(directory, 'Chart.yaml');
    if (!existsSync(chartFile)) {
      problems.error(
        'chart',
        reference.split('/').length === 2 && !reference.startsWith('.')
          ? `"${reference}" looks like a helm repo alias: give the chart name (e.g. harbor) with chart-repo, a local chart directory, or an oci:// reference`
          : `no chart at "${reference}" (no Chart.yaml in ${directory})`,
      );
      return undefined;
    }
    const chartYaml = yaml.load(readFileSync(chartFile, 'utf8')) as { version?: unknown } | undefined;
    if (typeof chartYaml?.version !== 'string') {
      problems.error('chart', `${chartFile} has no version`);
      return undefined;
    }
    version = chartYaml.version;
  } else {
    kind = 'repository';
    repository = raw['chart-repo'];
    if (!/^https?:\/\/[^\s/]+/.test(repository)) problems.error('chart-repo', `"${repository}" is not an http(s) URL of a chart repository`);
  }
  const input = kind === 'local' ? 'chart' : 'chart-version';
  if (!parseChartVersion(version)) {
    problems.error(input, `"${version}" is not a chart version (e.g. ${NEWEST_KNOWN_CHART})`);
    return undefined;
  }
  version = version.replace(/^v/, '');
  if (!isSupportedChartVersion(version)) {
    problems.error(
      input,
      `Harbor chart ${version} is not supported: this action writes values for chart ${OLDEST_SUPPORTED_CHART} and later (1.12 removed chartmuseum, 1.13 notary). Use chart-version: ${NEWEST_KNOWN_CHART}`,
    );
    return undefined;
  }
  if (compareChartVersions(version, NEWEST_KNOWN_CHART) > 0) {
    problems.warn(input, `chart ${version} is newer than the newest this action knows (${NEWEST_KNOWN_CHART}): its values are checked against ${NEWEST_KNOWN_CHART}`);
  }
  return { reference, kind, repository, version };
}

function validateExternalUrl(problems: InputProblems, value: string): URL | undefined {
  if (!value) {
    problems.error('external-url', 'required: the URL users reach Harbor at, e.g. https://registry.example.com');
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.error('external-url', `"${value}" is not a URL: use e.g. https://registry.example.com`);
    return undefined;
  }
  const faults: string[] = [];
  if (url.protocol !== 'https:' && url.protocol !== 'http:') faults.push('the scheme must be https or http');
  if (url.pathname !== '/' || url.search || url.hash) faults.push('Harbor must be served at the root of its host: remove the path');
  if (url.username || url.password) faults.push('remove the user name and password from it');
  if (faults.length > 0) {
    problems.error('external-url', `"${url.protocol}//${url.host}${url.pathname}": ${faults.join('; ')}`);
    return undefined;
  }
  return url;
}

function validateExpose(problems: InputProblems, raw: RawInputs, chartVersion: string | undefined): ActionConfig['expose'] | undefined {
  const type = oneOf(problems, 'expose', raw.expose, EXPOSE_TYPES);
  const tls = bool(problems, 'tls', raw.tls);
  let gateway: { namespace: string; name: string } | undefined;
  if (raw['istio-gateway']) {
    const [ns, name, ...rest] = raw['istio-gateway'].split('/');
    if (!ns || !name || rest.length > 0 || !DNS_LABEL.test(ns) || !DNS_SUBDOMAIN.test(name)) {
      problems.error('istio-gateway', `"${raw['istio-gateway']}" must be namespace/name of the Gateway, e.g. istio-system/public`);
    } else {
      gateway = { namespace: ns, name };
    }
  }
  if (type === 'route') {
    if (chartVersion && !contractFor(chartVersion).paths.has('expose.route.hosts')) {
      problems.error('expose', `route needs Harbor chart 1.18 or later (chart ${chartVersion} has no Gateway API route): use clusterIP with istio-gateway, or chart-version: ${NEWEST_KNOWN_CHART}`);
    }
    if (!raw['istio-gateway']) problems.error('istio-gateway', 'expose: route needs the Gateway the HTTPRoute attaches to, as namespace/name');
  }
  if (type === 'ingress' && gateway) {
    problems.error('istio-gateway', 'with expose: ingress there is no front Service for a VirtualService to route to: use expose: clusterIP with istio-gateway');
  }
  if (gateway && tls && type !== 'route') {
    problems.warn('tls', 'with istio-gateway, TLS normally ends at the gateway: the VirtualService sends plain HTTP to port 80, which Harbor redirects to https when tls is true');
  }
  if (!type || tls === undefined) return undefined;
  return { type, tls, gateway };
}

function validateCos(problems: InputProblems, raw: RawInputs, needsSecrets: boolean): CosStorage | undefined {
  const region = raw['cos-region'];
  const bucket = raw['cos-bucket'];
  const explicitEndpoint = raw['cos-endpoint'];
  let ok = true;
  if (!region) {
    problems.error('cos-region', 'required with storage: cos, e.g. ap-guangzhou');
    ok = false;
  }
  if (!bucket) {
    problems.error('cos-bucket', 'required with storage: cos: the bucket name with its APPID, e.g. harbor-1250000000');
    ok = false;
  } else if (!isWellFormedBucket(bucket)) {
    problems.error('cos-bucket', `"${bucket}" is not a valid bucket name (lowercase letters, digits and "-")`);
    ok = false;
  }

  let endpoint: URL | undefined;
  if (explicitEndpoint) {
    try {
      endpoint = new URL(explicitEndpoint);
      if (!['http:', 'https:'].includes(endpoint.protocol) || endpoint.pathname !== '/' || endpoint.search) {
        problems.error('cos-endpoint', `"${explicitEndpoint}" must be an http(s) URL with no path, e.g. https://cos.ap-guangzhou.myqcloud.com`);
        ok = false;
      }
    } catch {
      problems.error('cos-endpoint', `"${explicitEndpoint}" is not a URL, e.g. https://cos.ap-guangzhou.myqcloud.com`);
      ok = false;
    }
  }
  const classified = endpoint ? classifyEndpointHost(endpoint.hostname) : undefined;
  const endpointIsCos = classified ? isCosKind(classified.kind) : true;

  if (region) {
    const suggestion = closestKnownRegion(region);
    const didYouMean = suggestion && suggestion !== region ? ` (did you mean ${suggestion}?)` : '';
    if (endpointIsCos && !isWellFormedRegion(region)) {
      problems.error('cos-region', `"${region}" is not a COS region id (like ap-guangzhou)${didYouMean}`);
      ok = false;
    } else if (!endpointIsCos && !/^[a-z0-9][a-z0-9-]*$/.test(region)) {
      problems.error('cos-region', `"${region}" is not a region name the S3 signature accepts (lowercase letters, digits, "-")`);
      ok = false;
    } else if (!explicitEndpoint && !isKnownRegion(region)) {
      problems.error(
        'cos-region',
        `"${region}" is not a COS region this action knows${didYouMean}. For a region newer than this action, set cos-endpoint (e.g. https://cos.${region}.myqcloud.com)`,
      );
      ok = false;
    }
  }

  if (classified && endpoint && region) {
    const inputUrl = `${endpoint.protocol}//${endpoint.host}`;
    switch (classified.kind) {
      case 'cos-regional':
      case 'cos-bucket-domain':
        if (classified.region !== region) {
          const hint = editHint(region, classified.region!);
          problems.error(
            'cos-region',
            `"${region}" differs from the region of cos-endpoint ${inputUrl} (${classified.region}): the registry signs requests for cos-region, so COS would refuse them. Set cos-region: ${classified.region}${hint}`,
          );
          ok = false;
        }
        if (classified.kind === 'cos-bucket-domain' && bucket && classified.bucket !== bucket) {
          problems.error('cos-endpoint', `the bucket domain ${inputUrl} is for bucket "${classified.bucket}", but cos-bucket is "${bucket}"`);
          ok = false;
        }
        break;
      case 'cos-accelerate':
        problems.warn('cos-endpoint', `${inputUrl} is COS global acceleration: the region cannot be checked against it; cos-region must be the bucket's own region`);
        break;
      case 'cos-unrecognised':
        problems.error('cos-endpoint', `${inputUrl} is not a COS API domain this action knows: use https://cos.<region>.myqcloud.com or the bucket domain https://<bucket>.cos.<region>.myqcloud.com`);
        ok = false;
        break;
      case 's3-compatible':
        problems.warn('cos-endpoint', `${inputUrl} is not a COS domain: treated as an S3-compatible service (region and APPID rules not applied)`);
        break;
    }
    if (endpointIsCos && endpoint.protocol === 'http:') problems.warn('cos-endpoint', 'plain http to COS sends image data unencrypted: use https');
  }

  if (bucket && isWellFormedBucket(bucket) && !bucketHasAppId(bucket)) {
    if (endpointIsCos) {
      problems.error('cos-bucket', `"${bucket}" has no APPID suffix: COS bucket names end in -<APPID>, e.g. ${bucket}-1250000000 (see the COS console)`);
      ok = false;
    } else {
      problems.warn('cos-bucket', `"${bucket}" has no APPID suffix (fine for an S3-compatible service, wrong for COS)`);
    }
  }

  const rootDirectory = raw['cos-root-directory'];
  if (!rootDirectory.startsWith('/') || /\s/.test(rootDirectory) || rootDirectory.split('/').includes('..')) {
    problems.error('cos-root-directory', `"${rootDirectory}" must be an absolute path inside the bucket, e.g. / or /harbor`);
    ok = false;
  }
  if (needsSecrets) {
    for (const input of ['cos-secret-id', 'cos-secret-key'] as const) {
      if (!raw[input]) {
        problems.error(input, `required to deploy with storage: cos: pass it from a secret, e.g. ${input}: \${{ secrets.COS_${input === 'cos-secret-id' ? 'SECRET_ID' : 'SECRET_KEY'} }}`);
        ok = false;
      }
    }
  }
  if (raw['registry-pvc']) {
    problems.error('registry-pvc', 'the chart ignores a registry claim when images are stored in COS: remove registry-pvc, or use storage: filesystem');
    ok = false;
  }
  if (!ok || !region || !bucket) return undefined;
  return {
    type: 'cos',
    region,
    bucket,
    endpoint: endpoint ? `${endpoint.protocol}//${endpoint.host}` : defaultCosEndpoint(region),
    endpointIsCos,
    endpointExplicit: Boolean(endpoint),
    rootDirectory,
    secretId: raw['cos-secret-id'] || undefined,
    secretKey: raw['cos-secret-key'] || undefined,
  };
}

function editHint(typed: string, actual: string): string {
  return closestKnownRegion(typed) === actual ? ` ("${typed}" looks like a typo of ${actual})` : '';
}

function validateFilesystem(problems: InputProblems, raw: RawInputs): ActionConfig['storage'] | undefined {
  const cosInputs = (['cos-region', 'cos-bucket', 'cos-endpoint', 'cos-secret-id', 'cos-secret-key'] as const).filter((name) => raw[name]);
  if (cosInputs.length > 0) problems.warn(cosInputs[0]!, `${cosInputs.join(', ')} ignored with storage: filesystem`);
  const existingClaim = optionalName(problems, 'registry-pvc', raw['registry-pvc']);
  if (raw['registry-pvc'] && !existingClaim) return undefined;
  return { type: 'filesystem', existingClaim };
}

function validateCfs(problems: InputProblems, raw: RawInputs, storageType: string | undefined): ActionConfig['cfs'] {
  const server = raw['cfs-server'];
  const path = raw['cfs-path'];
  if (!server && !path) return undefined;
  let ok = true;
  if (!server) {
    problems.error('cfs-path', 'set cfs-server too (the CFS mount target address, e.g. 10.0.0.15), or remove cfs-path');
    ok = false;
  } else if (!IPV4.test(server) && !HOSTNAME.test(server)) {
    problems.error('cfs-server', `"${server}" is not an IP address or host name`);
    ok = false;
  }
  if (server && !path) {
    problems.error('cfs-server', 'set cfs-path too: the exported directory, e.g. /harbor');
    ok = false;
  } else if (path && (!path.startsWith('/') || /\s/.test(path))) {
    problems.error('cfs-path', `"${path}" must be an absolute path on the CFS file system, e.g. /harbor`);
    ok = false;
  }
  const size = raw['cfs-size'];
  if (!QUANTITY.test(size)) {
    problems.error('cfs-size', `"${size}" is not a Kubernetes quantity, e.g. 10Gi`);
    ok = false;
  }
  const wantsRegistryVolume = storageType === 'filesystem' && !raw['registry-pvc'];
  if (ok && raw['jobservice-pvc'] && !wantsRegistryVolume) {
    problems.warn('cfs-server', 'jobservice-pvc names the jobservice claim and images are not on the filesystem: no CFS volume is needed');
  }
  return ok ? { server, path: path.replace(/\/+$/, '') || '/', size } : undefined;
}

function validateDatabase(problems: InputProblems, raw: RawInputs, needsSecrets: boolean): ActionConfig['database'] | undefined {
  const host = raw['database-host'];
  if (!host) {
    if (raw['database-password']) problems.warn('database-password', 'ignored without database-host');
    problems.warn('database-host', 'not set: the chart\'s internal PostgreSQL is used (a single pod without backups; not for production)');
    return { type: 'internal' };
  }
  let ok = true;
  if (!HOSTNAME.test(host) && !IPV4.test(host)) {
    problems.error('database-host', `"${host}" is not a host name or IP address`);
    ok = false;
  }
  const port = integer(problems, 'database-port', raw['database-port'], 1, 65535);
  const sslmode = oneOf(problems, 'database-sslmode', raw['database-sslmode'], SSL_MODES);
  if (!raw['database-username']) {
    problems.error('database-username', 'must not be empty');
    ok = false;
  }
  if (!/^[A-Za-z_][A-Za-z0-9_$-]*$/.test(raw['database-name'])) {
    problems.error('database-name', `"${raw['database-name']}" is not a PostgreSQL database name`);
    ok = false;
  }
  if (needsSecrets && !raw['database-password']) {
    problems.error('database-password', 'required to deploy with database-host: pass it from a secret, e.g. database-password: ${{ secrets.HARBOR_DB_PASSWORD }}');
    ok = false;
  }
  if (!ok || port === undefined || !sslmode) return undefined;
  return {
    type: 'external',
    host,
    port,
    username: raw['database-username'],
    password: raw['database-password'] || undefined,
    name: raw['database-name'],
    sslmode,
  };
}

function validateRedis(problems: InputProblems, raw: RawInputs, contract: ReturnType<typeof contractFor> | undefined): ActionConfig['redis'] | undefined {
  const addr = raw['redis-addr'];
  if (!addr) {
    const ignored = (['redis-username', 'redis-password', 'redis-database-indexes'] as const).filter((name) => raw[name]);
    if (ignored.length > 0) problems.warn(ignored[0]!, `${ignored.join(', ')} ignored without redis-addr`);
    problems.warn('redis-addr', 'not set: the chart\'s internal Redis is used (not for production)');
    return { type: 'internal' };
  }
  let ok = true;
  const match = /^(\[[0-9a-fA-F:]+\]|[^\s:[\],]+):(\d+)$/.exec(addr);
  const port = match ? Number(match[2]) : NaN;
  if (addr.includes(',')) {
    problems.error('redis-addr', 'Redis Sentinel addresses are not supported by this action yet: give one host:port');
    ok = false;
  } else if (!match || port < 1 || port > 65535) {
    problems.error('redis-addr', `"${addr}" must be host:port, e.g. redis.db:6379`);
    ok = false;
  }
  const indexes: ExternalRedis['indexes'] = {};
  if (raw['redis-database-indexes']) {
    for (const entry of raw['redis-database-indexes'].split(/[,\n]/).map((s) => s.trim()).filter(Boolean)) {
      const [key, value, ...rest] = entry.split('=').map((s) => s.trim());
      const known = key ? REDIS_COMPONENTS[key] : undefined;
      if (key === 'chartmuseum') {
        problems.error('redis-database-indexes', 'chartmuseum was removed from the Harbor chart in 1.12: drop chartmuseum=…');
        ok = false;
        continue;
      }
      if (!known || value === undefined || rest.length > 0) {
        problems.error('redis-database-indexes', `"${entry}" must be component=index with component one of ${Object.keys(REDIS_COMPONENTS).join(', ')}`);
        ok = false;
        continue;
      }
      const index = /^\d+$/.test(value) ? Number(value) : NaN;
      if (!(index >= 0 && index <= 15)) {
        problems.error('redis-database-indexes', `${key}=${value}: a Redis database index is 0 to 15`);
        ok = false;
        continue;
      }
      if (contract && !contract.paths.has(known.chartPath)) {
        problems.error('redis-database-indexes', `${key}=… needs a newer chart: chart ${contract.version} has no ${known.chartPath}`);
        ok = false;
        continue;
      }
      indexes[known.component] = index;
    }
    if (indexes.core !== undefined && indexes.core !== 0) {
      problems.warn('redis-database-indexes', `core=${indexes.core}: the chart documents that core must use database 0 (its Redis library cannot select another); to move Harbor's own data use harbor=${indexes.core} instead`);
    }
    const effective = { ...DEFAULT_REDIS_INDEXES, ...indexes };
    const owners = new Map<number, string[]>();
    for (const [component, index] of Object.entries(effective)) owners.set(index, [...(owners.get(index) ?? []), component]);
    for (const [index, components] of owners) {
      if (components.length > 1) {
        problems.error('redis-database-indexes', `${components.join(' and ')} would share database ${index} (unset components keep the chart defaults core=0, jobservice=1, registry=2, trivy=5): give each its own index`);
        ok = false;
      }
    }
  }
  if (!ok) return undefined;
  return { type: 'external', addr, username: raw['redis-username'] || undefined, password: raw['redis-password'] || undefined, indexes };
}

/**
 * The Harbor charts before 1.19 cannot carry every Redis credential from a Secret into their Redis
 * URLs (src/values/chart-redis.ts): refused here, before anything is deployed, with the fix.
 */
function checkRedisCredentialsForChart(problems: InputProblems, redis: ExternalRedis, chartVersion: string): void {
  if (!redis.password) {
    if (redis.username) problems.warn('redis-username', 'ignored without redis-password: the chart puts credentials into its Redis URLs only with a password');
    return;
  }
  const handling = redisCredentialHandling(chartVersion);
  const fixes = `use chart-version ${NEWEST_KNOWN_CHART}, or secrets-in-values: true (the chart URL-escapes credentials given in its values)`;
  if (!handling.passwordFromSecret) {
    problems.error('redis-password', `chart ${chartVersion} takes the Redis password for core, jobservice and trivy only from its values (redis.external.password), not from a Secret: Harbor would connect to Redis without it. To fix, ${fixes}`);
    return;
  }
  if (redis.username && !handling.usernameFromSecret) {
    problems.error('redis-username', `chart ${chartVersion} leaves the username out of Harbor's Redis URLs when the password is in a Secret, so Redis would not see the ACL user. To fix, ${fixes}`);
  }
  if (handling.escaped) return;
  const allowed = "letters, digits and - . _ ~ ! $ & ' ( ) * + , ; =";
  if (!survivesUnescaped(redis.password)) {
    problems.error('redis-password', `chart ${chartVersion} writes the Redis password into Harbor's Redis URLs without URL-escaping it, and this one has a character (such as @ : / ? # % or a space) that breaks such a URL. To fix, use a password of ${allowed} only, or ${fixes}`);
  }
  if (redis.username && handling.usernameFromSecret && !survivesUnescaped(redis.username)) {
    problems.error('redis-username', `chart ${chartVersion} writes the Redis username into Harbor's Redis URLs without URL-escaping it, and this one has a character that breaks such a URL. To fix, use a username of ${allowed} only, or ${fixes}`);
  }
}

function validateOverrides(
  problems: InputProblems,
  raw: RawInputs,
  context: ValidationContext,
  contract: ReturnType<typeof contractFor> | undefined,
): ValuesOverride[] | undefined {
  const overrides: ValuesOverride[] = [];
  let ok = true;
  for (const file of raw['values-files'].split(/\r?\n/).map((line) => line.trim()).filter(Boolean)) {
    const path = isAbsolute(file) ? file : resolve(context.workspace, file);
    if (!existsSync(path) || !statSync(path).isFile()) {
      problems.error('values-files', `${file}: no such file (paths are relative to the workspace, ${context.workspace})`);
      ok = false;
      continue;
    }
    try {
      overrides.push({ source: file, values: parseValuesYaml(readFileSync(path, 'utf8'), file) });
    } catch (error) {
      if (!(error instanceof OverrideSyntaxError)) throw error;
      problems.error('values-files', error.message);
      ok = false;
    }
  }
  if (raw.values) {
    try {
      overrides.push({ source: 'values', values: parseValuesYaml(raw.values, 'values') });
    } catch (error) {
      if (!(error instanceof OverrideSyntaxError)) throw error;
      problems.error('values', error.message);
      ok = false;
    }
  }
  if (raw.set) {
    const { assignments, errors } = parseSetLines(raw.set);
    for (const error of errors) problems.error('set', error);
    if (errors.length > 0) ok = false;
    else overrides.push({ source: 'set', values: setAssignmentsToValues(assignments) });
    if (contract) {
      for (const assignment of assignments) {
        const path = assignment.path.filter((part): part is string => typeof part === 'string').join('.');
        if (!isReadByChart(contract, path)) {
          problems.warn('set', `${dottedPath(assignment.path)} is not read by Harbor chart ${contract.version}: helm would ignore it (check the spelling against the chart's values.yaml)`);
        }
      }
    }
  }
  if (contract) {
    for (const override of overrides.filter((o) => o.source !== 'set')) {
      for (const path of leafPaths(override.values)) {
        if (!isReadByChart(contract, path)) {
          problems.warn(override.source === 'values' ? 'values' : 'values-files', `${override.source}: ${path} is not read by Harbor chart ${contract.version}: helm would ignore it`);
        }
      }
    }
  }
  return ok ? overrides : undefined;
}
