import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redact } from '../../src/report/redact.js';
import { errorsOf, validate, warningsOf } from '../support/inputs.js';
import { projectRoot } from '../support/run-action.js';
import { seedAsWritten, seedInputs } from '../support/seed.js';

const minimal = { mode: 'render', 'external-url': 'https://harbor.example.com', 'cos-region': 'ap-guangzhou', 'cos-bucket': 'harbor-1250000000' };

describe('input validation', () => {
  it('accepts the seed configuration corrected for chart 1.19.1', () => {
    const result = validate(seedInputs);
    expect(errorsOf(result)).toEqual([]);
    expect(result.config?.storage).toMatchObject({ type: 'cos', region: 'ap-chengdu', endpoint: 'https://cos.ap-chengdu.myqcloud.com' });
  });

  it('catches every mistake of the seed article at once, naming each input', () => {
    const errors = errorsOf(validate(seedAsWritten));
    expect(errors).toEqual([
      expect.stringMatching(/^cos-region: "ap-chegndu" differs from the region of cos-endpoint https:\/\/cos\.ap-chengdu\.myqcloud\.com \(ap-chengdu\).*Set cos-region: ap-chengdu \("ap-chegndu" looks like a typo of ap-chengdu\)/),
      expect.stringMatching(/^redis-database-indexes: chartmuseum was removed from the Harbor chart in 1\.12/),
    ]);
    expect(warningsOf(validate(seedAsWritten))).toContainEqual(expect.stringMatching(/^redis-database-indexes: core=10: the chart documents that core must use database 0/));
  });

  it('refuses a mistyped region without an endpoint and suggests the known one', () => {
    expect(errorsOf(validate({ ...minimal, 'cos-region': 'ap-chegndu' }))).toEqual([
      'cos-region: "ap-chegndu" is not a COS region this action knows (did you mean ap-chengdu?). For a region newer than this action, set cos-endpoint (e.g. https://cos.ap-chegndu.myqcloud.com)',
    ]);
  });

  it('refuses a malformed region', () => {
    expect(errorsOf(validate({ ...minimal, 'cos-region': 'Guangzhou' }))).toEqual([expect.stringMatching(/^cos-region: "Guangzhou" is not a COS region id/)]);
  });

  it('lets an explicit endpoint opt into a region newer than the action', () => {
    const result = validate({ ...minimal, 'cos-region': 'ap-hanoi', 'cos-endpoint': 'https://cos.ap-hanoi.myqcloud.com' });
    expect(errorsOf(result)).toEqual([]);
    expect(result.config?.storage).toMatchObject({ endpoint: 'https://cos.ap-hanoi.myqcloud.com', endpointIsCos: true });
  });

  it('defaults the endpoint to the region\'s COS endpoint', () => {
    expect(validate(minimal).config?.storage).toMatchObject({ endpoint: 'https://cos.ap-guangzhou.myqcloud.com', endpointExplicit: false });
  });

  it.each([
    ['bucket domain', 'https://harbor-1250000000.cos.ap-shanghai.myqcloud.com', 'ap-shanghai'],
    ['tencentcos.cn domain', 'https://cos.ap-shanghai.tencentcos.cn', 'ap-shanghai'],
    ['private-network domain', 'https://cos-internal.ap-shanghai.tencentcos.cn', 'ap-shanghai'],
  ])('checks the region of a COS %s against cos-region', (_, endpoint, endpointRegion) => {
    expect(errorsOf(validate({ ...minimal, 'cos-endpoint': endpoint }))).toEqual([expect.stringContaining(`differs from the region of cos-endpoint ${endpoint} (${endpointRegion})`)]);
    expect(errorsOf(validate({ ...minimal, 'cos-region': endpointRegion, 'cos-endpoint': endpoint }))).toEqual([]);
  });

  it('refuses a bucket domain of another bucket', () => {
    expect(errorsOf(validate({ ...minimal, 'cos-endpoint': 'https://other-1250000000.cos.ap-guangzhou.myqcloud.com' }))).toEqual([
      'cos-endpoint: the bucket domain https://other-1250000000.cos.ap-guangzhou.myqcloud.com is for bucket "other-1250000000", but cos-bucket is "harbor-1250000000"',
    ]);
  });

  it('warns, not fails, for an S3-compatible endpoint outside COS, over http too, and a bucket without APPID there', () => {
    const result = validate({ ...minimal, 'cos-region': 'us-east-1', 'cos-bucket': 'harbor', 'cos-endpoint': 'http://127.0.0.1:7480' });
    expect(errorsOf(result)).toEqual([]);
    expect(warningsOf(result)).toEqual(
      expect.arrayContaining([
        'cos-endpoint: http://127.0.0.1:7480 is not a COS domain: treated as an S3-compatible service (region and APPID rules not applied)',
        'cos-bucket: "harbor" has no APPID suffix (fine for an S3-compatible service, wrong for COS)',
      ]),
    );
  });

  it('requires the APPID suffix on COS buckets', () => {
    expect(errorsOf(validate({ ...minimal, 'cos-bucket': 'harbor' }))).toEqual([expect.stringMatching(/^cos-bucket: "harbor" has no APPID suffix: COS bucket names end in -<APPID>/)]);
  });

  it('refuses endpoints that are not COS API domains or carry a path', () => {
    expect(errorsOf(validate({ ...minimal, 'cos-endpoint': 'https://cos-website.ap-guangzhou.myqcloud.com' }))).toEqual([expect.stringMatching(/^cos-endpoint: .* is not a COS API domain/)]);
    expect(errorsOf(validate({ ...minimal, 'cos-endpoint': 'https://cos.ap-guangzhou.myqcloud.com/harbor' }))).toEqual([expect.stringMatching(/^cos-endpoint: .* must be an http\(s\) URL with no path/)]);
  });

  it('checks the external URL', () => {
    expect(errorsOf(validate({ ...minimal, 'external-url': '' }))).toEqual([expect.stringMatching(/^external-url: required/)]);
    expect(errorsOf(validate({ ...minimal, 'external-url': 'registry.example.com' }))).toEqual([expect.stringMatching(/^external-url: "registry.example.com" is not a URL/)]);
    expect(errorsOf(validate({ ...minimal, 'external-url': 'ftp://registry.example.com' }))).toEqual([expect.stringMatching(/the scheme must be https or http/)]);
    expect(errorsOf(validate({ ...minimal, 'external-url': 'https://example.com/harbor' }))).toEqual([expect.stringMatching(/served at the root of its host: remove the path/)]);
  });

  it('checks names, ports and choices', () => {
    const errors = errorsOf(
      validate({
        ...minimal,
        release: 'Harbor_Prod',
        namespace: 'a'.repeat(64),
        expose: 'ClusterIP',
        'database-host': 'pg.db',
        'database-port': '70000',
        'database-sslmode': 'prefer',
        replicas: '0',
        tls: 'yes',
      }),
    );
    expect(errors).toEqual([
      expect.stringMatching(/^release: "Harbor_Prod" is not a valid Helm release name/),
      expect.stringMatching(/^namespace: "a{64}" is not a valid namespace name/),
      'expose: "ClusterIP" is not one of clusterIP | ingress | loadBalancer | nodePort | route (did you mean clusterIP?)',
      'tls: "yes" is not a boolean: use true or false',
      'database-port: "70000" is not a whole number from 1 to 65535',
      'database-sslmode: "prefer" is not one of disable | require | verify-ca | verify-full',
      'replicas: "0" is not a whole number from 1 to 100',
    ]);
  });

  it('allows a release name of 53 characters and refuses 54', () => {
    expect(errorsOf(validate({ ...minimal, release: 'a'.repeat(53) }))).toEqual([]);
    expect(errorsOf(validate({ ...minimal, release: 'a'.repeat(54) }))).toHaveLength(1);
  });

  it('checks the Redis address and database indexes', () => {
    const redis = { ...minimal, 'redis-addr': 'redis.db:6379' };
    expect(errorsOf(validate({ ...redis, 'redis-addr': 'redis.db' }))).toEqual(['redis-addr: "redis.db" must be host:port, e.g. redis.db:6379']);
    expect(errorsOf(validate({ ...redis, 'redis-database-indexes': 'jobservice=16' }))).toEqual(['redis-database-indexes: jobservice=16: a Redis database index is 0 to 15']);
    expect(errorsOf(validate({ ...redis, 'redis-database-indexes': 'jobservice=2' }))).toEqual([expect.stringMatching(/^redis-database-indexes: jobservice and registry would share database 2/)]);
    expect(errorsOf(validate({ ...redis, 'redis-database-indexes': 'scanner=3' }))).toEqual([expect.stringMatching(/^redis-database-indexes: "scanner=3" must be component=index/)]);
    expect(validate({ ...redis, 'redis-database-indexes': 'jobservice=11, registry=12' }).config?.redis).toMatchObject({ indexes: { jobservice: 11, registry: 12 } });
    expect(validate({ ...redis, 'redis-addr': '[fd00::1]:6379' }).config?.redis).toMatchObject({ addr: '[fd00::1]:6379' });
  });

  it('refuses Redis credentials a chart version cannot carry from a Secret into its Redis URLs, naming the fix', () => {
    const redis = { ...minimal, 'redis-addr': 'redis.db:6379', 'redis-password': 'plain-password-123' };
    const fix = 'To fix, use chart-version 1.19.1, or secrets-in-values: true (the chart URL-escapes credentials given in its values)';
    expect(errorsOf(validate({ ...redis, 'chart-version': '1.12.6' }))).toEqual([expect.stringMatching(new RegExp(`^redis-password: chart 1\\.12\\.6 takes the Redis password .* only from its values .*${fix.replace(/[().,]/g, '\\$&')}$`))]);
    expect(errorsOf(validate({ ...redis, 'chart-version': '1.16.4', 'redis-username': 'harbor-acl' }))).toEqual([expect.stringMatching(/^redis-username: chart 1\.16\.4 leaves the username out of Harbor's Redis URLs/)]);
    for (const version of ['1.13.5', '1.18.4']) {
      const errors = errorsOf(validate({ ...redis, 'chart-version': version, 'redis-password': 'p@ss/word' }));
      expect(errors).toEqual([expect.stringMatching(new RegExp(`^redis-password: chart ${version.replace(/\./g, '\\.')} writes the Redis password into Harbor's Redis URLs without URL-escaping it`))]);
      // The message never quotes the password, nor the characters it holds.
      expect(errors.join('\n')).not.toContain('p@ss');
    }
    expect(errorsOf(validate({ ...redis, 'chart-version': '1.18.4', 'redis-username': 'user:name' }))).toEqual([expect.stringMatching(/^redis-username: chart 1\.18\.4 writes the Redis username into Harbor's Redis URLs without URL-escaping it/)]);
    // Accepted: a safe password on 1.13-1.18, anything on 1.19, anything in the values.
    expect(errorsOf(validate({ ...redis, 'chart-version': '1.15.2', 'redis-password': "Safe-pass_1.~!$&'()*+,;=" }))).toEqual([]);
    expect(errorsOf(validate({ ...redis, 'chart-version': '1.19.1', 'redis-password': 'p@ss/w#rd%', 'redis-username': 'user:name' }))).toEqual([]);
    expect(errorsOf(validate({ ...redis, 'chart-version': '1.12.6', 'redis-password': 'p@ss/w#rd%', 'redis-username': 'harbor-acl', 'secrets-in-values': 'true' }))).toEqual([]);
    expect(warningsOf(validate({ ...minimal, 'redis-addr': 'redis.db:6379', 'redis-username': 'harbor-acl' }))).toContainEqual(
      'redis-username: ignored without redis-password: the chart puts credentials into its Redis URLs only with a password',
    );
  });

  it('refuses conflicting storage inputs', () => {
    expect(errorsOf(validate({ ...minimal, 'registry-pvc': 'images' }))).toEqual([expect.stringMatching(/^registry-pvc: the chart ignores a registry claim when images are stored in COS/)]);
    expect(errorsOf(validate({ ...minimal, 'cfs-server': '10.0.0.15' }))).toEqual(['cfs-server: set cfs-path too: the exported directory, e.g. /harbor']);
    expect(errorsOf(validate({ ...minimal, 'cfs-path': '/harbor' }))).toEqual([expect.stringMatching(/^cfs-path: set cfs-server too/)]);
    expect(errorsOf(validate({ ...minimal, 'cfs-server': '10.0.0.15', 'cfs-path': '/harbor', 'cfs-size': '10 GB' }))).toEqual(['cfs-size: "10 GB" is not a Kubernetes quantity, e.g. 10Gi']);
  });

  it('refuses chart versions older than 1.12 with the reason and the fix', () => {
    expect(errorsOf(validate({ ...minimal, 'chart-version': '1.11.4' }))).toEqual([
      'chart-version: Harbor chart 1.11.4 is not supported: this action writes values for chart 1.12.0 and later (1.12 removed chartmuseum, 1.13 notary). Use chart-version: 1.19.1',
    ]);
    expect(errorsOf(validate({ ...minimal, 'chart-version': 'latest' }))).toEqual(['chart-version: "latest" is not a chart version (e.g. 1.19.1)']);
  });

  it('refuses expose: route on charts before 1.18 and without a gateway', () => {
    expect(errorsOf(validate({ ...minimal, expose: 'route', 'chart-version': '1.13.0', 'istio-gateway': 'gw/public' }))).toEqual([expect.stringMatching(/^expose: route needs Harbor chart 1\.18 or later/)]);
    expect(errorsOf(validate({ ...minimal, expose: 'route' }))).toEqual([expect.stringMatching(/^istio-gateway: expose: route needs the Gateway/)]);
  });

  it('requires the secrets to deploy, but not to render', () => {
    const inputs = { ...minimal, 'database-host': 'pg.db' };
    expect(errorsOf(validate(inputs))).toEqual([]);
    expect(errorsOf(validate({ ...inputs, mode: 'deploy' })).map((e) => e.split(':')[0])).toEqual(['cos-secret-id', 'cos-secret-key', 'database-password', 'admin-password', 'kubeconfig']);
  });

  it('reports YAML errors in values-files and values with the file and line', () => {
    const workspace = mkdtempSync(join(tmpdir(), 'workspace-'));
    mkdirSync(join(workspace, 'config'));
    writeFileSync(join(workspace, 'config', 'harbor.yaml'), 'core:\n  replicas: 2\n  resources:\n   - bad: [\n');
    const errors = errorsOf(validate({ ...minimal, 'values-files': 'config/harbor.yaml\nconfig/missing.yaml', values: 'core: {replicas: 2' }, workspace));
    expect(errors).toEqual([
      expect.stringMatching(/^values-files: config\/harbor.yaml line \d+, column \d+: /),
      expect.stringMatching(/^values-files: config\/missing.yaml: no such file \(paths are relative to the workspace/),
      expect.stringMatching(/^values: values line \d+, column \d+: unexpected end of the stream/),
    ]);
  });

  it('warns about override paths the chart does not read, and not about ones it reads', () => {
    const result = validate({
      ...minimal,
      set: 'core.replica=2\nregistry.replicas=2\ncore.podAnnotations.team=platform\npersistence.persistentVolumeClaim.jobservice.existingClaim=old',
      values: 'notary:\n  enabled: false\n',
    });
    expect(errorsOf(result)).toEqual([]);
    expect(warningsOf(result)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^set: core\.replica is not read by Harbor chart 1\.19\.1/),
        expect.stringMatching(/^set: persistence\.persistentVolumeClaim\.jobservice\.existingClaim is not read/),
        expect.stringMatching(/^values: values: notary\.enabled is not read by Harbor chart 1\.19\.1/),
      ]),
    );
    expect(warningsOf(result).join('\n')).not.toMatch(/registry\.replicas|podAnnotations/);
  });

  it('reports set lines that are not path=value', () => {
    expect(errorsOf(validate({ ...minimal, set: 'core.replicas' }))).toEqual(['set: line 1 "core.replicas": expected path=value, e.g. core.replicas=2']);
  });

  it('reports every problem together', () => {
    const errors = errorsOf(validate({ mode: 'upgrade', 'external-url': 'nope', 'cos-region': 'ap-chegndu', 'cos-bucket': 'harbor', 'redis-addr': 'x', namespace: 'Bad' }));
    expect(errors.map((e) => e.split(':')[0])).toEqual(['mode', 'namespace', 'external-url', 'cos-region', 'cos-bucket', 'redis-addr']);
  });

  it('uses the version of a local chart directory', () => {
    const workspace = mkdtempSync(join(tmpdir(), 'workspace-'));
    mkdirSync(join(workspace, 'charts', 'harbor'), { recursive: true });
    writeFileSync(join(workspace, 'charts', 'harbor', 'Chart.yaml'), 'apiVersion: v2\nname: harbor\nversion: 1.18.4\n');
    expect(validate({ ...minimal, chart: './charts/harbor' }, workspace).config?.chart).toEqual({ reference: './charts/harbor', kind: 'local', version: '1.18.4' });
    expect(errorsOf(validate({ ...minimal, chart: 'harbor/harbor' }, workspace))).toEqual([expect.stringMatching(/looks like a helm repo alias/)]);
  });
});

describe('kubeconfig and kube-context', () => {
  const deploy = { ...seedInputs, mode: 'deploy' };
  const kubeconfigWith = (contexts: string[], options: { current?: string; token?: string } = {}) =>
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      ...contexts.map((c) => `- name: ${c}\n  cluster: {server: 'https://${c}.example:6443'}`),
      'users:',
      ...contexts.map((c) => `- name: ${c}\n  user: {token: ${options.token ?? `${c}-token-0123456789abcdef`}}`),
      'contexts:',
      ...contexts.map((c) => `- name: ${c}\n  context: {cluster: ${c}, user: ${c}}`),
      ...(options.current ? [`current-context: ${options.current}`] : []),
      '',
    ].join('\n');
  const kubeconfigErrors = (inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}) =>
    errorsOf(validate(inputs, projectDirectory, env)).filter((e) => /^kube(config|-context):/.test(e));
  const projectDirectory = mkdtempSync(join(tmpdir(), 'workspace-'));

  it('takes the kubeconfig input plain or base64, and names the contexts when kube-context is not one of them', () => {
    const content = kubeconfigWith(['prod', 'staging'], { current: 'prod' });
    expect(kubeconfigErrors({ ...deploy, kubeconfig: content })).toEqual([]);
    expect(kubeconfigErrors({ ...deploy, kubeconfig: Buffer.from(content).toString('base64') })).toEqual([]);
    expect(kubeconfigErrors({ ...deploy, kubeconfig: content, 'kube-context': 'qa' })).toEqual(['kube-context: context "qa" is not in the kubeconfig, which has prod, staging']);
    expect(kubeconfigErrors({ ...deploy, kubeconfig: kubeconfigWith(['prod']) })).toEqual(['kube-context: the kubeconfig has no current-context: set kube-context to one of prod']);
  });

  it("checks the runner's KUBECONFIG files together, as kubectl merges them, skipping missing ones", () => {
    const directory = mkdtempSync(join(tmpdir(), 'kubeconfig-files-'));
    const first = join(directory, 'first');
    const second = join(directory, 'second');
    writeFileSync(first, kubeconfigWith(['staging']));
    writeFileSync(second, kubeconfigWith(['prod'], { current: 'prod' }));
    const env = { KUBECONFIG: [join(directory, 'missing'), first, second].join(':') };
    const result = validate({ ...deploy, kubeconfig: '' }, projectDirectory, env);
    expect(errorsOf(result)).toEqual([]);
    expect(result.config?.deploy?.kubeconfigFiles).toEqual([first, second]);
    expect(kubeconfigErrors({ ...deploy, kubeconfig: '', 'kube-context': 'qa' }, env)).toEqual(['kube-context: context "qa" is not in the KUBECONFIG, which has staging, prod']);
    expect(kubeconfigErrors({ ...deploy, kubeconfig: '' }, { KUBECONFIG: join(directory, 'missing') })).toEqual([
      `kubeconfig: KUBECONFIG points at ${join(directory, 'missing')}, which does not exist: set it in an earlier step that writes the file, or pass the kubeconfig input`,
    ]);
  });

  it("masks the credentials in the runner's KUBECONFIG files, and quotes none of a broken one", () => {
    const directory = mkdtempSync(join(tmpdir(), 'kubeconfig-files-'));
    const good = join(directory, 'config');
    const token = 'runner-kubeconfig-token-5f3c9a71e2';
    writeFileSync(good, kubeconfigWith(['prod'], { current: 'prod', token }));
    validate({ ...deploy, kubeconfig: '' }, projectDirectory, { KUBECONFIG: good });
    expect(redact(`Authorization: Bearer ${token}`)).toBe('Authorization: Bearer ***');

    const broken = join(directory, 'broken');
    const brokenToken = 'broken-kubeconfig-token-8d1e4b07aa';
    writeFileSync(broken, `apiVersion: v1\nusers:\n- name: ci\n  user: {token: ${brokenToken}\n`);
    const errors = kubeconfigErrors({ ...deploy, kubeconfig: '' }, { KUBECONFIG: broken });
    expect(errors).toEqual([expect.stringMatching(new RegExp(`^kubeconfig: KUBECONFIG file ${broken} is not valid YAML \\(line \\d+\\)$`))]);
    expect(errors.join('\n')).not.toContain(brokenToken);
  });
});

describe('lock-wait and the hold on the release', () => {
  const deploy = { ...seedInputs, mode: 'deploy', kubeconfig: 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://c.example:6443"}}]\nusers: [{name: u, user: {token: t-0123456789abcdef}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n' };

  it('waits 5 minutes by default, takes durations, and 0 for not waiting', () => {
    expect(validate(deploy).config?.deploy).toMatchObject({ lockWaitMs: 300_000, lockLeaseSeconds: 60 });
    expect(validate({ ...deploy, 'lock-wait': '90s' }).config?.deploy?.lockWaitMs).toBe(90_000);
    expect(validate({ ...deploy, 'lock-wait': '0' }).config?.deploy?.lockWaitMs).toBe(0);
    expect(validate({ ...deploy, 'lock-wait': '0s' }).config?.deploy?.lockWaitMs).toBe(0);
  });

  it('names lock-wait when it is no duration', () => {
    expect(errorsOf(validate({ ...deploy, 'lock-wait': 'a while' }))).toEqual(['lock-wait: "a while" is not a duration, e.g. 5m, 90s or 0 (do not wait)']);
  });

  it('takes the lease duration from HARBOR_TKE_ACTION_LEASE_SECONDS, and names the variable when it is out of range', () => {
    expect(validate(deploy, projectRoot, { HARBOR_TKE_ACTION_LEASE_SECONDS: '5' }).config?.deploy?.lockLeaseSeconds).toBe(5);
    expect(errorsOf(validate(deploy, projectRoot, { HARBOR_TKE_ACTION_LEASE_SECONDS: '1' }))).toEqual(['HARBOR_TKE_ACTION_LEASE_SECONDS (environment variable): "1" is not a whole number from 3 to 3600']);
  });
});
