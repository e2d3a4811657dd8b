/**
 * The seed article's configuration (docs: seed-article.md) as action inputs. `seedAsWritten` keeps
 * the article's mistakes (region typo, chartmuseum index, core index 10, the old jobservice claim);
 * `seedInputs` is what a careful engineer passes for chart 1.19.1.
 */
export const seedSecrets = {
  'cos-secret-id': 'AKIDseedSecretId0123456789abcdefzv',
  'cos-secret-key': 'g5seedSecretKeyValue0123456789FR',
  'database-password': 'seed-db-pass-123456',
  'redis-password': 'seed-redis-pass-654321',
  'admin-password': 'Seed-Admin-Pass-1234',
} as const;

export const seedInputs: Record<string, string> = {
  mode: 'render',
  release: 'registry',
  namespace: 'registry',
  'chart-version': '1.19.1',
  'external-url': 'https://registry.imroc.cc',
  expose: 'clusterIP',
  tls: 'false',
  'istio-gateway': 'external/imroc',
  storage: 'cos',
  'cos-region': 'ap-chengdu',
  'cos-bucket': 'harbor-1251234566',
  'cos-endpoint': 'https://cos.ap-chengdu.myqcloud.com',
  'cos-root-directory': '/',
  'cfs-server': '10.10.0.15',
  'cfs-path': '/registry',
  'cfs-size': '10Gi',
  'database-host': 'pgsql-postgresql.db',
  'database-username': 'postgres',
  'database-name': 'registry',
  'redis-addr': 'redis.db:6379',
  'redis-database-indexes': 'harbor=10,jobservice=11,registry=12,trivy=14',
  trivy: 'false',
  ...seedSecrets,
};

export const seedAsWritten: Record<string, string> = {
  ...seedInputs,
  'cos-region': 'ap-chegndu',
  'redis-database-indexes': 'core=10,jobservice=11,registry=12,chartmuseum=13,trivy=14',
};
