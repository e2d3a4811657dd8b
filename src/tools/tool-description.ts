/** What differs between helm and kubectl for resolving, downloading and verifying them. */
export interface ToolDescription {
  /** Name in the tool cache and in messages. */
  name: 'helm' | 'kubectl';
  displayName: string;
  inputs: { version: string; mirror: string; sha256: string };
  defaultVersion: string;
  supportedMajors: readonly number[];
  latestUrl(mirror: string, major?: number): string;
}

/** An installation failure worded for the user: it names the input to change. */
export class ToolInstallError extends Error {
  constructor(
    message: string,
    /** HTTP status behind the failure, when there was one. */
    readonly status?: number,
    /**
     * The mirror could not be reached or kept answering with transient errors: nothing was wrong
     * with what it served. Render mode carries on without manifests then; a bad digest never does.
     */
    readonly unreachable = false,
  ) {
    super(message);
    this.name = 'ToolInstallError';
  }
}
