import { chartFiles } from '../../src/helm/chart-archive.js';
import { templatePaths } from './template-paths.js';

/** The sorted `.Values` paths a packaged chart's templates read (the action's chart contract for that version). */
export function contractOfPackage(packageBytes: Buffer): string[] {
  const templates = [...chartFiles(packageBytes)].filter(([path]) => path.startsWith('templates/')).map(([, text]) => text);
  return [...templatePaths(templates)].sort();
}
