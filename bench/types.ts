/** One line of the benchmark table: a figure measured in this run and, where it has one, its baseline. */
export interface BenchRow {
  /** What was measured, e.g. "helm install, warm (cache hit)". */
  name: string;
  value: number;
  unit: 'ms' | 's' | 'bytes' | 'requests' | 'count' | '%';
  /** The figure this one is compared with, measured in the same run. */
  baseline?: { name: string; value: number };
  /** The goal stated in the issue, e.g. "warm <= 5% of cold". */
  target?: string;
  /** Whether the target was met in this run (undefined: no target). */
  met?: boolean;
}

export type BenchSuite = () => Promise<BenchRow[]>;
