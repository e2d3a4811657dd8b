/**
 * Runs the tool mirror in a process of its own (for the benchmark: a server sharing the measuring
 * process's event loop would be measured along with the client). Prints its URL on stdout.
 */
import { mirrorLayout } from './layout.js';
import { startToolMirror } from './server.js';

const rate = Number(process.env['TOOL_MIRROR_BYTES_PER_SECOND'] ?? '0');
const mirror = await startToolMirror(mirrorLayout().root, rate > 0 ? { bytesPerSecond: rate } : {});
process.stdout.write(`${mirror.url}\n`);
process.on('SIGTERM', () => {
  void mirror.close().then(() => process.exit(0));
});
