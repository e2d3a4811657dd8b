import { descendantPids, terminate } from './descendants.js';

/** How long Ctrl-C waits for pieces that were still starting to clean up after themselves. */
const PENDING_GRACE_MS = 5000;
const DUPLICATE_SIGNAL_MS = 1500;

/**
 * Everything the demo starts, so that all of it is stopped: at the end, on an error, and on
 * Ctrl-C (SIGINT) or SIGTERM, including pieces that were still starting when the signal came.
 */
interface Stopper {
  name: string;
  stop: () => Promise<void>;
}

export class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

export class Sandbox {
  private readonly stoppers: Stopper[] = [];
  private readonly starting = new Set<Promise<unknown>>();
  private stopping: Promise<void> | undefined;

  private signalled = false;

  /** A signal (Ctrl-C, SIGTERM) is stopping the sandbox. */
  get interrupted(): boolean {
    return this.signalled;
  }

  /** Waits for a piece to start and keeps how to stop it; stops it at once if the sandbox is stopping. */
  async start<T>(name: string, startingPiece: Promise<T>, stop: (piece: T) => Promise<void>): Promise<T> {
    this.starting.add(startingPiece);
    try {
      const piece = await startingPiece;
      if (this.stopping) {
        await stop(piece).catch(() => undefined);
        throw new Interrupted();
      }
      this.stoppers.push({ name, stop: () => stop(piece) });
      return piece;
    } finally {
      this.starting.delete(startingPiece);
    }
  }

  /** Keeps how to stop something already running (a child process); returns a function that forgets it. */
  track(name: string, stop: () => Promise<void>): () => void {
    const stopper = { name, stop };
    if (this.stopping) {
      void stop().catch(() => undefined);
      return () => undefined;
    }
    this.stoppers.push(stopper);
    return () => {
      const index = this.stoppers.indexOf(stopper);
      if (index >= 0) this.stoppers.splice(index, 1);
    };
  }

  /**
   * Stops everything, newest first; a second call waits for the first. Interrupted, it first ends
   * every child process by id (pieces still starting cannot be stopped otherwise), then gives those
   * pieces a few seconds to fail and remove their files.
   */
  stopAll(report: (line: string) => void, interrupted = false): Promise<void> {
    this.stopping ??= (async () => {
      if (interrupted) terminate(descendantPids(process.pid));
      // Pieces still starting are stopped by start() when they are up.
      const pending = Promise.allSettled([...this.starting]);
      if (interrupted) await Promise.race([pending, new Promise((resolve) => setTimeout(resolve, PENDING_GRACE_MS).unref())]);
      else await pending;
      for (const stopper of this.stoppers.splice(0).reverse()) {
        try {
          await stopper.stop();
          report(`stopped ${stopper.name}`);
        } catch (error) {
          report(`could not stop ${stopper.name}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    })();
    return this.stopping;
  }

  /** Ctrl-C / SIGTERM: stop everything, then exit 130. A second Ctrl-C exits at once. */
  stopOnSignals(report: (line: string) => void): void {
    let firstSignalAt: number | undefined;
    const onSignal = (signal: NodeJS.Signals): void => {
      // One Ctrl-C can arrive twice: from the terminal and relayed by tsx (and npm).
      if (firstSignalAt !== undefined && Date.now() - firstSignalAt < DUPLICATE_SIGNAL_MS) return;
      if (firstSignalAt !== undefined) {
        report(`${signal} again: exiting without waiting for the sandbox to stop`);
        process.exit(130);
      }
      firstSignalAt = Date.now();
      this.signalled = true;
      report(`${signal}: stopping the sandbox… (Ctrl-C again to exit at once)`);
      void this.stopAll(report, true).then(() => process.exit(130));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
}
